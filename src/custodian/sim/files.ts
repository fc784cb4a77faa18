/** Writes the simulator's start-of-day file set for a process date into the drop folder. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { nextSettlementDay, previousTradingDay } from '../../domain/calendar';
import { Dec, apexAvgPriceStr, cashStr, dec, qtyStr } from '../../domain/money';
import { fileName, writeEXT747, writeEXT871, writeEXT872 } from '../files';
import type { SimCustodian } from './state';

export interface SodOptions {
  dropDir: string;
  correspondent: string;
  /** Quirk: lower-case symbols and CUSIPs, as Apex sometimes sends them. */
  lowerCaseSymbols?: boolean;
  /** Quirk: EXT872 with a header line (UAT style). */
  tradeFileHeader?: boolean;
}

async function writeOnce(dir: string, name: string, content: string): Promise<string> {
  const target = path.join(dir, name);
  // A delivered file never changes: the same name always has the same checksum.
  if (existsSync(target)) return name;
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, content);
  await rename(tmp, target);
  return name;
}

const inFlight = new Map<string, Promise<string[]>>();

/** One file set per process date at a time; concurrent requests share the same write. */
export function writeStartOfDayFiles(
  db: Knex,
  sim: SimCustodian,
  processDate: string,
  opts: SodOptions,
): Promise<string[]> {
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
): Promise<string[]> {
  await mkdir(opts.dropDir, { recursive: true });
  // A delivered file never changes (see writeOnce): when the whole set is there already, there is
  // nothing to build. Without this, every request re-read every position and execution of the day.
  const names = (['EXT871', 'EXT747', 'EXT872'] as const).map((code) =>
    fileName(code, processDate, opts.correspondent),
  );
  if (names.every((n) => existsSync(path.join(opts.dropDir, n)))) return names;
  const secs: { symbol: string; cusip: string; description: string }[] =
    await db('sim.securities').orderBy('symbol');
  const bySymbol = new Map(secs.map((s) => [s.symbol, s]));
  const closeOf = async (symbol: string, date: string): Promise<Dec> => {
    const p = await db('sim.prices')
      .where({ symbol })
      .where('date', '<', date)
      .orderBy('date', 'desc')
      .first();
    return p ? dec(p.close) : new Dec(0);
  };
  const closes = new Map<string, Dec>();
  for (const s of secs) closes.set(s.symbol, await closeOf(s.symbol, processDate));
  const quirks = { lowerCaseSymbols: opts.lowerCaseSymbols ?? false };
  const written: string[] = [];

  const positions = await sim.positionsAsOf(processDate);
  written.push(
    await writeOnce(
      opts.dropDir,
      fileName('EXT871', processDate, opts.correspondent),
      writeEXT871(
        positions.map((p) => ({
          accountNumber: p.account_number,
          processDate,
          firm: 'APEX',
          correspondentId: opts.correspondent,
          officeCode: 'ZO1',
          registeredRepCode: 'R01',
          accType: '1',
          symbol: p.symbol,
          cusip: bySymbol.get(p.symbol)?.cusip ?? 'UNKNOWN00',
          tradeQuantity: qtyStr(p.qty),
          settleQuantity: qtyStr(p.qty),
          currencyCode: 'USD',
          securityTypeCode: 'C',
          description: bySymbol.get(p.symbol)?.description ?? '',
          marginEligibleCode: 'N',
          closingPrice: (closes.get(p.symbol) ?? new Dec(0)).toFixed(6),
        })),
        quirks,
      ),
    ),
  );

  written.push(
    await writeOnce(
      opts.dropDir,
      fileName('EXT747', processDate, opts.correspondent),
      writeEXT747(
        await Promise.all(
          secs.map(async (s) => ({
            cusip: s.cusip,
            marketSymbol: s.symbol,
            securityTypeCode: 'C',
            listedMarketCode: 'V',
            closingPrice: (closes.get(s.symbol) ?? new Dec(0)).toFixed(6),
            previousPrice: (await closeOf(s.symbol, previousTradingDay(processDate))).toFixed(6),
            description: s.description,
            oldSecurityNumber: null,
          })),
        ),
        quirks,
      ),
    ),
  );

  // Trade activity of the previous trading day: the confirms we match next morning.
  const tradeDate = previousTradingDay(processDate);
  const execs: {
    execution_id: string;
    order_id: string;
    client_order_id: string;
    account_number: string;
    symbol: string;
    side: 'BUY' | 'SELL';
    quantity: string;
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
  written.push(
    await writeOnce(
      opts.dropDir,
      fileName('EXT872', processDate, opts.correspondent),
      writeEXT872(
        execs.map((e, i) => {
          const qty = dec(e.filled_quantity);
          const px = dec(e.average_price);
          const principal = qty.times(px);
          const t = new Date(e.executed_time);
          const hhmm = t
            .toLocaleTimeString('en-GB', {
              timeZone: 'America/New_York',
              hour: '2-digit',
              minute: '2-digit',
              hour12: false,
            })
            .replace(':', '');
          return {
            accountNumber: e.account_number,
            processDate,
            accType: '1',
            buySellCode: e.side === 'BUY' ? ('B' as const) : ('S' as const),
            tradeDate,
            tradeNumber: String(i + 1),
            orderId: e.order_id,
            clientOrderId: e.client_order_id,
            executionTime: hhmm,
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
        { ...quirks, header: opts.tradeFileHeader ?? false },
      ),
    ),
  );
  return written;
}
