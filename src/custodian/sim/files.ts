/**
 * Writes the simulator's start-of-day file set for a process date into the drop folder: EXT871
 * positions, EXT747 security master, EXT872 trade activity, EXT869 cash activity, EXT981 balances,
 * EXT_TAXLOT tax lots and EXT235 corporate actions (what each holds: ./sod.ts and docs/domain.md §2).
 *
 * Quirks seen at Apex can be asked for (FileQuirks: lower-case symbols/CUSIPs, pre-change CUSIPs,
 * header lines or none, CRLF, a BOM), and file faults switched on (FileFault): a file missing,
 * a file late (written N seconds after the first request, or at the Nth request), a corrupt field
 * in a chosen row. A delivered file never changes: asking again for a date with other quirks does
 * not rewrite files already in the drop folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { z } from 'zod';
import { nextSettlementDay, previousTradingDay } from '../../domain/calendar';
import { type Dec, ZERO, apexAvgPriceStr, cashStr, dec, qtyStr } from '../../domain/money';
import {
  FILE_CODES,
  FILE_KINDS,
  type FileCode,
  LAYOUTS,
  type WriteOptions,
  fileName,
  quoteField,
  writeEXT235,
  writeEXT747,
  writeEXT869,
  writeEXT871,
  writeEXT872,
  writeEXT981,
  writeEXT_TAXLOT,
} from '../files';
import { openMorning } from './corporate-action-apply';
import { settledPositions } from './settlement';
import {
  type SecurityAsOf,
  balanceRows,
  cashActivityRows,
  closesAsOf,
  corporateActionRows,
  lotsAsOf,
  primarySecurities,
  securitiesAsOf,
  taxLotRows,
} from './sod';
import type { SimCustodian } from './state';

/* ================================================================== quirks and faults */

const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const zCode = z.enum(FILE_CODES);

/** Files whose CUSIPs can be written as they were before a CUSIP change (the old-CUSIP quirk). */
export const OLD_CUSIP_FILES = ['EXT871', 'EXT872', 'EXT869', 'EXT_TAXLOT'] as const;

const headerByCode = z
  .object(
    Object.fromEntries(FILE_CODES.map((c) => [c, z.boolean().optional()])) as Record<
      FileCode,
      z.ZodOptional<z.ZodBoolean>
    >,
  )
  .strict();

/** Apex's quirks, for every file of a request (or, via POST /sim/v1/file-quirks, every request). */
export const FileQuirksSchema = z
  .object({
    /** Symbols, and CUSIPs unless lowerCaseCusips is false, in lower case. */
    lowerCaseSymbols: z.boolean().default(false),
    lowerCaseCusips: z.boolean().optional(),
    /**
     * Write the pre-change CUSIP of securities with a CUSIP change (EXT235) as Apex's positions
     * sometimes do: true = EXT871 only, or a list of files.
     */
    oldCusips: z.union([z.boolean(), z.array(z.enum(OLD_CUSIP_FILES))]).default(false),
    /**
     * Header lines. A boolean sets the files whose header is optional (header-less in prod,
     * with a header in UAT); per file it sets any file, and a file that needs a header
     * (EXT981, EXT_TAXLOT) written without one is refused by the parser.
     */
    header: z.union([z.boolean(), headerByCode]).optional(),
    crlf: z.boolean().default(false),
    bom: z.boolean().default(false),
  })
  .strict();
export type FileQuirks = z.infer<typeof FileQuirksSchema>;
export type FileQuirksInput = z.input<typeof FileQuirksSchema>;

/** The field a corrupt fault spoils by default in each file. */
export const DEFAULT_CORRUPT_COLUMN: Record<FileCode, string> = {
  EXT871: 'TradeQuantity',
  EXT869: 'Amount',
  EXT981: 'CashTradeBalance',
  EXT747: 'ClosingPrice',
  EXT872: 'Quantity',
  EXT_TAXLOT: 'Quantity',
  EXT235: 'StockFactor',
};
export const DEFAULT_CORRUPT_VALUE = '#N/A';

/**
 * A fault of one file (part of the fault switch, `POST /sim/v1/faults {"files": [...]}`):
 * - missing: the file is not written;
 * - late: written `lateSeconds` after the first request for the date, or at request number
 *   `lateRequests` for the date, whichever comes first (neither given: at the second request);
 * - corrupt: data row `row` (1 = the first row after any header; default 1) gets `value`
 *   (default '#N/A') in column `column` (default: a number column); a row beyond the last is
 *   appended as a line holding only `value`.
 * `processDate` limits the fault to one date; without it every date is affected.
 */
export const FileFaultSchema = z
  .object({
    code: zCode,
    kind: z.enum(['missing', 'late', 'corrupt']),
    processDate: zDate.optional(),
    lateSeconds: z.number().int().min(0).max(86_400).optional(),
    lateRequests: z.number().int().min(1).max(1000).optional(),
    row: z.number().int().min(1).max(10_000_000).optional(),
    column: z.string().min(1).max(40).optional(),
    value: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.column !== undefined && columnIndex(f.code, f.column) < 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['column'],
        message: `${f.code} has no column ${f.column} (columns: ${LAYOUTS[f.code].columns.map((c) => c.name).join(', ')})`,
      });
    }
    if (f.kind !== 'late' && (f.lateSeconds !== undefined || f.lateRequests !== undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['kind'],
        message: 'lateSeconds/lateRequests need kind late',
      });
    }
    if (f.kind !== 'corrupt' && (f.row !== undefined || f.column !== undefined || f.value !== undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['kind'],
        message: 'row/column/value need kind corrupt',
      });
    }
  });
export type FileFault = z.infer<typeof FileFaultSchema>;

function columnIndex(code: FileCode, column: string): number {
  return LAYOUTS[code].columns.findIndex((c) => c.name.toLowerCase() === column.toLowerCase());
}

export interface SodOptions {
  dropDir: string;
  correspondent: string;
  /** Quirk: lower-case symbols and CUSIPs, as Apex sometimes sends them (also quirks.lowerCaseSymbols). */
  lowerCaseSymbols?: boolean;
  /** Quirk: EXT872 with a header line, UAT style (also quirks.header). */
  tradeFileHeader?: boolean;
  quirks?: FileQuirksInput;
  faults?: readonly FileFault[];
  /** The clock of late files (ms since the epoch); default Date.now. */
  now?: () => number;
}

export interface SodResult {
  /** Files of the date in the drop folder, in this order: EXT871, EXT747, EXT872, EXT869, EXT981, EXT_TAXLOT, EXT235. */
  files: string[];
  /** Files built but held back by a late fault. */
  pending: string[];
  /** Files not written because of a missing fault. */
  missing: string[];
}

/** The order of the files in answers (the first three as before the full set). */
const ORDER: readonly FileCode[] = ['EXT871', 'EXT747', 'EXT872', 'EXT869', 'EXT981', 'EXT_TAXLOT', 'EXT235'];

/* ================================================================== delivery */

async function writeOnce(dir: string, name: string, content: string): Promise<string> {
  const target = path.join(dir, name);
  // A delivered file never changes: the same name always has the same checksum.
  if (existsSync(target)) return name;
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, content);
  await rename(tmp, target);
  return name;
}

interface Pending {
  name: string;
  content: string;
  dueAt?: number;
  dueRequest?: number;
  timer?: NodeJS.Timeout;
}

/** Per drop folder and process date: how many requests came, which late files wait. */
interface DateState {
  requests: number;
  pending: Map<FileCode, Pending>;
}

const states = new Map<string, DateState>();
const inFlight = new Map<string, Promise<SodResult>>();

function stateOf(key: string): DateState {
  let s = states.get(key);
  if (!s) {
    s = { requests: 0, pending: new Map() };
    states.set(key, s);
  }
  return s;
}

/** Drops the late files still waiting (and their timers) for a drop folder, or for all. */
export function cancelPendingFiles(dropDir?: string): void {
  for (const [key, s] of states) {
    if (dropDir !== undefined && !key.startsWith(`${dropDir}|`)) continue;
    for (const p of s.pending.values()) if (p.timer) clearTimeout(p.timer);
    states.delete(key);
  }
}

async function flushDue(dir: string, s: DateState, now: number): Promise<void> {
  for (const [code, p] of [...s.pending]) {
    const due =
      (p.dueRequest !== undefined && s.requests >= p.dueRequest) || (p.dueAt !== undefined && now >= p.dueAt);
    if (!due) continue;
    if (p.timer) clearTimeout(p.timer);
    s.pending.delete(code);
    await writeOnce(dir, p.name, p.content);
  }
}

function faultsFor(faults: readonly FileFault[], processDate: string, code: FileCode): FileFault[] {
  return faults.filter(
    (f) => f.code === code && (f.processDate === undefined || f.processDate === processDate),
  );
}

/** One file set per process date at a time; concurrent requests share the same write. */
export function writeStartOfDayFiles(
  db: Knex,
  sim: SimCustodian,
  processDate: string,
  opts: SodOptions,
): Promise<string[]> {
  return writeStartOfDayFileSet(db, sim, processDate, opts).then((r) => r.files);
}

/** As writeStartOfDayFiles, with the files held back (late) and left out (missing) too. */
export function writeStartOfDayFileSet(
  db: Knex,
  sim: SimCustodian,
  processDate: string,
  opts: SodOptions,
): Promise<SodResult> {
  const key = `${opts.dropDir}|${processDate}`;
  const running = inFlight.get(key);
  if (running) return running;
  const p = writeFileSet(db, sim, processDate, opts).finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

async function writeFileSet(
  db: Knex,
  sim: SimCustodian,
  processDate: string,
  opts: SodOptions,
): Promise<SodResult> {
  const now = opts.now ?? Date.now;
  const faults = opts.faults ?? [];
  const quirks = FileQuirksSchema.parse(opts.quirks ?? {});
  if (opts.lowerCaseSymbols) quirks.lowerCaseSymbols = true;
  await mkdir(opts.dropDir, { recursive: true });
  // The simulator moves forward: the corporate actions effective this morning are applied (once),
  // and what happens from now on is reported after this morning.
  await openMorning(db, processDate);
  const state = stateOf(`${opts.dropDir}|${processDate}`);
  state.requests++;
  await flushDue(opts.dropDir, state, now());

  const nameOf = (code: FileCode) => fileName(code, processDate, opts.correspondent);
  const onDisk = (code: FileCode) => existsSync(path.join(opts.dropDir, nameOf(code)));
  const isMissing = (code: FileCode) =>
    faultsFor(faults, processDate, code).some((f) => f.kind === 'missing');
  // A delivered file never changes (see writeOnce): only what is neither there nor waiting is built.
  // Without this, every request re-read every position and execution of the day.
  const toBuild = ORDER.filter((c) => !isMissing(c) && !onDisk(c) && !state.pending.has(c));

  if (toBuild.length > 0) {
    const contents = await buildFiles(db, sim, processDate, opts, quirks, toBuild);
    for (const code of toBuild) {
      let content = contents.get(code) as string;
      const fs = faultsFor(faults, processDate, code);
      for (const f of fs.filter((x) => x.kind === 'corrupt')) content = corrupt(code, content, f);
      const late = fs.find((x) => x.kind === 'late');
      if (!late) {
        await writeOnce(opts.dropDir, nameOf(code), content);
        continue;
      }
      const p: Pending = { name: nameOf(code), content };
      if (late.lateSeconds !== undefined) p.dueAt = now() + late.lateSeconds * 1000;
      if (late.lateRequests !== undefined) p.dueRequest = state.requests - 1 + late.lateRequests;
      if (p.dueAt === undefined && p.dueRequest === undefined) p.dueRequest = state.requests + 1;
      if (late.lateSeconds !== undefined) {
        const dir = opts.dropDir;
        p.timer = setTimeout(() => {
          if (state.pending.get(code) !== p) return;
          state.pending.delete(code);
          writeOnce(dir, p.name, p.content).catch((e) => console.error('[custodian-sim] late file', e));
        }, late.lateSeconds * 1000);
        p.timer.unref();
      }
      state.pending.set(code, p);
    }
    await flushDue(opts.dropDir, state, now());
  }
  return {
    files: ORDER.filter(onDisk).map(nameOf),
    pending: ORDER.filter((c) => state.pending.has(c)).map(nameOf),
    missing: ORDER.filter((c) => isMissing(c) && !onDisk(c)).map(nameOf),
  };
}

/* ================================================================== building */

function writeOptionsFor(code: FileCode, quirks: FileQuirks, opts: SodOptions): WriteOptions {
  let header: boolean | undefined;
  if (typeof quirks.header === 'boolean') {
    if (FILE_KINDS[code].header === 'optional') header = quirks.header;
  } else if (quirks.header?.[code] !== undefined) {
    header = quirks.header[code];
  }
  if (header === undefined && code === 'EXT872' && opts.tradeFileHeader !== undefined)
    header = opts.tradeFileHeader;
  return {
    header,
    lowerCaseSymbols: quirks.lowerCaseSymbols,
    lowerCaseCusips: quirks.lowerCaseCusips,
    lineEnding: quirks.crlf ? '\r\n' : '\n',
    bom: quirks.bom,
  };
}

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= f();
    return p;
  };
}

function hhmmEt(t: Date): string {
  return t
    .toLocaleTimeString('en-GB', {
      timeZone: 'America/New_York',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    })
    .replace(':', '');
}

async function buildFiles(
  db: Knex,
  sim: SimCustodian,
  processDate: string,
  opts: SodOptions,
  quirks: FileQuirks,
  codes: readonly FileCode[],
): Promise<Map<FileCode, string>> {
  const tradeDate = previousTradingDay(processDate);
  const secs = once(() => securitiesAsOf(db, processDate));
  const closes = once(async () => closesAsOf(await secs(), db, processDate));
  const positions = once(() => sim.positionsAsOf(processDate));
  const oldCusipFiles: readonly string[] =
    quirks.oldCusips === true ? ['EXT871'] : quirks.oldCusips === false ? [] : quirks.oldCusips;
  /** The securities as a file writes them: the old CUSIP where the quirk asks for it. */
  const secsFor = async (code: FileCode): Promise<Map<string, SecurityAsOf>> => {
    const m = await secs();
    if (!oldCusipFiles.includes(code)) return m;
    return new Map([...m].map(([k, s]) => [k, { ...s, cusip: s.oldCusip ?? s.cusip }]));
  };
  const closeOf = async (symbol: string) => (await closes()).get(symbol) ?? ZERO;
  const out = new Map<FileCode, string>();
  const w = (code: FileCode) => writeOptionsFor(code, quirks, opts);

  for (const code of codes) {
    switch (code) {
      case 'EXT871': {
        const bySymbol = await secsFor(code);
        // An account's own rep code (an account opened with one: ./open-account.ts), else R01.
        const reps = new Map(
          (
            (await db('sim.accounts').whereNotNull('rep_code').select('account_number', 'rep_code')) as {
              account_number: string;
              rep_code: string;
            }[]
          ).map((r) => [r.account_number, r.rep_code]),
        );
        const rows = [];
        for (const p of await settledPositions(db, processDate, await positions())) {
          rows.push({
            accountNumber: p.account_number,
            processDate,
            firm: 'APEX',
            correspondentId: opts.correspondent,
            officeCode: 'ZO1',
            registeredRepCode: reps.get(p.account_number) ?? 'R01',
            accType: '1',
            symbol: p.symbol,
            cusip: bySymbol.get(p.symbol)?.cusip ?? 'UNKNOWN00',
            tradeQuantity: qtyStr(p.qty),
            settleQuantity: qtyStr(p.settleQty),
            currencyCode: 'USD',
            securityTypeCode: 'C',
            description: bySymbol.get(p.symbol)?.description ?? '',
            marginEligibleCode: 'N',
            closingPrice: (await closeOf(p.symbol)).toFixed(6),
          });
        }
        out.set(code, writeEXT871(rows, w(code)));
        break;
      }
      case 'EXT747': {
        const all = primarySecurities(await secs());
        const previous = await closesAsOf(await secs(), db, tradeDate);
        const rows = [];
        for (const s of all) {
          rows.push({
            cusip: s.cusip,
            marketSymbol: s.symbol,
            securityTypeCode: 'C',
            listedMarketCode: 'V',
            closingPrice: (await closeOf(s.symbol)).toFixed(6),
            previousPrice: (previous.get(s.symbol) ?? ZERO).toFixed(6),
            description: s.description,
            oldSecurityNumber: s.oldCusip,
          });
        }
        out.set(code, writeEXT747(rows, w(code)));
        break;
      }
      case 'EXT872':
        out.set(code, await tradeFile(db, processDate, tradeDate, await secsFor(code), w(code)));
        break;
      case 'EXT869':
        out.set(code, writeEXT869(await cashActivityRows(db, processDate, await secsFor(code)), w(code)));
        break;
      case 'EXT981':
        out.set(
          code,
          writeEXT981(await balanceRows(db, processDate, await positions(), await closes()), w(code)),
        );
        break;
      case 'EXT_TAXLOT':
        out.set(
          code,
          writeEXT_TAXLOT(
            taxLotRows(await lotsAsOf(db, processDate), processDate, await secsFor(code), await closes()),
            w(code),
          ),
        );
        break;
      case 'EXT235':
        out.set(code, writeEXT235(await corporateActionRows(db, processDate), w(code)));
        break;
    }
  }
  return out;
}

/** Trade activity of the previous trading day, one row per order: the confirms we match next morning. */
async function tradeFile(
  db: Knex,
  processDate: string,
  tradeDate: string,
  bySymbol: Map<string, SecurityAsOf>,
  opts: WriteOptions,
): Promise<string> {
  const execs: {
    order_id: string;
    client_order_id: string;
    account_number: string;
    symbol: string;
    side: 'BUY' | 'SELL';
    average_price: string;
    filled_quantity: string;
    executed_time: Date;
  }[] = await db('sim.orders as o')
    .join('sim.executions as e', 'e.order_id', 'o.order_id')
    .where('e.trade_date', tradeDate)
    .orderBy(['o.account_number', 'o.order_id'])
    .select(
      'o.order_id',
      'o.client_order_id',
      'o.account_number',
      'o.symbol',
      'o.side',
      'o.average_price',
      'o.filled_quantity',
    )
    .min('e.executed_time as executed_time')
    .groupBy('o.order_id');
  const settle = nextSettlementDay(tradeDate);
  return writeEXT872(
    execs.map((e, i) => {
      const qty: Dec = dec(e.filled_quantity);
      const px = dec(e.average_price);
      const principal = qty.times(px);
      return {
        accountNumber: e.account_number,
        processDate,
        accType: '1',
        buySellCode: e.side === 'BUY' ? ('B' as const) : ('S' as const),
        tradeDate,
        tradeNumber: String(i + 1),
        orderId: e.order_id,
        clientOrderId: e.client_order_id,
        executionTime: hhmmEt(new Date(e.executed_time)),
        cusip: bySymbol.get(e.symbol)?.cusip ?? 'UNKNOWN00',
        symbol: e.symbol,
        quantity: qtyStr(qty),
        price: apexAvgPriceStr(px),
        settlementDate: settle,
        principalAmount: cashStr(principal),
        netAmount: cashStr(e.side === 'BUY' ? principal.neg() : principal),
        feeSec: '0.00',
        commission: '0.00',
      };
    }),
    opts,
  );
}

/* ================================================================== corruption */

/**
 * Spoils one field of one data row of a written file (see FileFault). Lines are records: the
 * writers never put a line break inside a field.
 */
export function corrupt(code: FileCode, content: string, fault: FileFault): string {
  const delimiter = FILE_KINDS[code].delimiter;
  const bom = content.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = bom ? content.slice(1) : content;
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const lines = body.split(eol);
  const trailing = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  const names = LAYOUTS[code].columns.map((c) => c.name.toLowerCase());
  const first = (parseCsv(lines[0] ?? '', { delimiter, relax_column_count: true }) as string[][])[0] ?? [];
  const hasHeader = lines.length > 0 && (first[0] ?? '').toLowerCase() === names[0];
  const value = fault.value ?? DEFAULT_CORRUPT_VALUE;
  const at = (hasHeader ? 1 : 0) + (fault.row ?? 1) - 1;
  if (at >= lines.length) {
    lines.push(quoteField(value, delimiter));
  } else {
    const fields =
      (parseCsv(lines[at] as string, { delimiter, relax_column_count: true }) as string[][])[0] ?? [];
    const col = columnIndex(code, fault.column ?? DEFAULT_CORRUPT_COLUMN[code]);
    fields[col] = value;
    lines[at] = fields.map((f) => quoteField(f ?? '', delimiter)).join(delimiter);
  }
  return bom + lines.join(eol) + (trailing || body === '' ? eol : '');
}
