/**
 * Start-of-day file ingestion and next-morning confirm matching.
 *
 * Ingestion reads the drop folder for one process date, parses every known file with its
 * zod schema, and applies each file in one transaction: a bad file is recorded as REJECTED
 * with every error (file, line, field) and nothing of it is applied; re-ingesting a file
 * with the same checksum is a no-op. A PostgreSQL advisory lock serialises concurrent callers.
 * Every kind is applied: positions (EXT871 → custodian_positions), trades (EXT872 →
 * custodian_trades), cash activity (EXT869 → custodian_cash_activity), balances (EXT981 →
 * custodian_balances), tax lots (EXT_TAXLOT → custodian_lots), corporate actions (EXT235 →
 * custodian_corporate_actions) and the security master (EXT747 → custodian_securities). A file
 * whose rows parse but cannot be applied (a key twice) is REJECTED too, with nothing applied.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Knex } from 'knex';
import { checksum, parseCustodianFile } from '../custodian/files';
import { parseFileName } from '../custodian/files/names';
import type { FileCode } from '../custodian/files/names';
import type {
  Ext235Row,
  Ext747Row,
  Ext869Row,
  Ext871Row,
  Ext872Row,
  Ext981Row,
  ExtTaxlotRow,
} from '../custodian/files/schemas';
import { nextSettlementDay, nextTradingDay } from '../domain/calendar';
import { matchConfirms } from '../domain/confirms';
import type { ConfirmSummary } from '../workflows/types';
import type { ActivityDeps } from './deps';

export interface IngestResult {
  processDate: string;
  ingested: string[];
  skipped: string[];
  rejected: { file: string; errors: string[] }[];
}

export function fileActivities(deps: ActivityDeps) {
  const { db } = deps;

  // sha256 of each file, remembered while the file is unchanged (same inode, size and mtime): a
  // re-ingest (every account's confirm matching asks for the morning's files) then costs a stat,
  // not a read and hash of a file that grows with the number of accounts.
  const checksums = new Map<string, { identity: string; sum: string }>();
  async function fileChecksum(file: string): Promise<string> {
    const st = await stat(file, { bigint: true });
    const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
    const known = checksums.get(file);
    if (known?.identity === identity) return known.sum;
    const sum = checksum(await readFile(file));
    checksums.set(file, { identity, sum });
    return sum;
  }

  async function ingest(processDate: string): Promise<IngestResult> {
    await deps.custodian.requestStartOfDayFiles(processDate);
    const names = (await readdir(deps.dropDir).catch(() => [] as string[]))
      .filter((n) => parseFileName(n)?.processDate === processDate)
      .sort();
    const result: IngestResult = { processDate, ingested: [], skipped: [], rejected: [] };
    // Nothing new (every file's checksum recorded already, the usual case when each account's
    // confirm matching asks): no transaction, so callers do not queue on the lock holding connections.
    const sums = await Promise.all(names.map((n) => fileChecksum(path.join(deps.dropDir, n))));
    const recorded: { code: string; checksum: string }[] = sums.length
      ? await db('custodian_files')
          .where({ process_date: processDate })
          .whereIn('checksum', sums)
          .select('code', 'checksum')
      : [];
    const isRecorded = (name: string, i: number) =>
      recorded.some((r) => r.code === parseFileName(name)!.code && r.checksum === sums[i]);
    if (names.every(isRecorded)) return { ...result, skipped: names };
    await db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`ingest:${processDate}`]);
      for (const name of names) {
        const meta = parseFileName(name)!;
        const file = path.join(deps.dropDir, name);
        // Seen already (same checksum): skipped before parsing it again.
        const seen = await trx('custodian_files')
          .where({ code: meta.code, process_date: processDate, checksum: await fileChecksum(file) })
          .first();
        if (seen) {
          result.skipped.push(name);
          continue;
        }
        const content = await readFile(file);
        const parsed = parseCustodianFile(meta.code, content, name);
        if (!parsed.ok) {
          const errors = parsed.errors.map(
            (e) => `${e.file} line ${e.line}${e.field ? `, field ${e.field}` : ''}: ${e.message}`,
          );
          await trx('custodian_files').insert({
            process_date: processDate,
            code: meta.code,
            name,
            checksum: parsed.checksum,
            row_count: 0,
            status: 'REJECTED',
            errors: JSON.stringify(errors),
          });
          result.rejected.push({ file: name, errors });
          log.warn('custodian file rejected', { file: name, errors: errors.slice(0, 5) });
          continue;
        }
        try {
          await trx.transaction(async (t) => {
            await APPLY[meta.code](t, processDate, parsed.rows);
            await t('custodian_files').insert({
              process_date: processDate,
              code: meta.code,
              name,
              checksum: parsed.checksum,
              row_count: parsed.rows.length,
              status: 'INGESTED',
            });
          });
        } catch (e) {
          // Rows that parse but cannot be applied (e.g. the same lot twice): the file's savepoint
          // is rolled back, so nothing of it is applied, and the file is recorded as REJECTED.
          const errors = [`${name}: could not be applied: ${(e as Error).message}`];
          await trx('custodian_files').insert({
            process_date: processDate,
            code: meta.code,
            name,
            checksum: parsed.checksum,
            row_count: 0,
            status: 'REJECTED',
            errors: JSON.stringify(errors),
          });
          result.rejected.push({ file: name, errors });
          log.warn('custodian file rejected', { file: name, errors });
          continue;
        }
        result.ingested.push(name);
      }
    });
    return result;
  }

  return {
    async ingestMorningFiles(input: { processDate: string }): Promise<IngestResult> {
      return ingest(input.processDate);
    },

    /**
     * Next morning: ingests the next trading day's files and matches the custodian's trade
     * activity (EXT872) for the trade date against our orders (DOMAIN.md §3.2): quantity exact,
     * average price ±$0.005, settlement date = next settlement day.
     */
    async matchConfirms(input: { tradeDate: string; accountId: string }): Promise<ConfirmSummary> {
      const processDate = nextTradingDay(input.tradeDate);
      await ingest(processDate);
      const acct = await db('accounts').where({ id: input.accountId }).first('custodian_account_number');
      if (!acct)
        throw ApplicationFailure.nonRetryable(`account ${input.accountId} does not exist`, 'NotFound');
      const ours: {
        client_order_id: string;
        custodian_order_id: string | null;
        symbol: string;
        side: 'BUY' | 'SELL';
        filled_qty: string;
        avg_price: string;
      }[] = await db('orders')
        .where({ trade_date: input.tradeDate, account_id: input.accountId })
        .where('filled_qty', '>', 0);
      const theirs: {
        order_id: string;
        client_order_id: string | null;
        buy_sell_code: 'B' | 'S' | 'C' | 'T';
        symbol: string;
        qty: string;
        price: string;
        principal: string;
        settle_date: string;
        trade_date: string;
      }[] = await db('custodian_trades').where({
        trade_date: input.tradeDate,
        account_number: acct.custodian_account_number,
      });
      const matched = matchConfirms({
        tradeDate: input.tradeDate,
        expectedSettlementDate: nextSettlementDay(input.tradeDate),
        ours: ours.map((o) => ({
          clientOrderId: o.client_order_id,
          custodianOrderId: o.custodian_order_id,
          accountNumber: acct.custodian_account_number,
          symbol: o.symbol,
          side: o.side,
          qty: o.filled_qty,
          avgPrice: o.avg_price,
        })),
        theirs: theirs.map((t) => ({
          orderId: t.order_id,
          clientOrderId: t.client_order_id,
          accountNumber: acct.custodian_account_number,
          symbol: t.symbol,
          buySellCode: t.buy_sell_code,
          quantity: t.qty,
          price: t.price,
          principalAmount: t.principal,
          settlementDate: t.settle_date,
          tradeDate: t.trade_date,
        })),
      });
      const s = matched.summary;
      const summary: ConfirmSummary = {
        matched: s.matched,
        matchedWithinTolerance: s.matchedWithinTolerance,
        mismatched: s.mismatched + s.canceledAtCustodian,
        unmatchedOurs: s.unmatchedOurs,
        unmatchedTheirs: s.unmatchedTheirs,
      };
      // '' rather than NULL for a missing id: NULLs are distinct in a unique key, and a retried
      // activity must update its rows, not add new ones.
      const rows = matched.results.map((r) => ({
        client_order_id: r.clientOrderId ?? '',
        custodian_order_id: r.custodianOrderId ?? '',
        result: r.result,
        diffs: r.diffs.map((d) => `${d.field}: ours ${d.ours}, theirs ${d.theirs}`),
      }));
      await db.transaction(async (trx) => {
        for (const r of rows) {
          await trx('confirm_matches')
            .insert({
              trade_date: input.tradeDate,
              account_id: input.accountId,
              ...r,
              diffs: JSON.stringify(r.diffs),
            })
            .onConflict(['trade_date', 'account_id', 'client_order_id', 'custodian_order_id'])
            .merge(['result', 'diffs', 'matched_at']);
        }
      });
      return summary;
    },
  };
}

/** How each kind of file is applied (inside the file's own transaction). */
const APPLY: Record<
  FileCode,
  (trx: Knex.Transaction, processDate: string, rows: unknown[]) => Promise<void>
> = {
  EXT871: (t, d, rows) => applyPositions(t, d, rows as Ext871Row[]),
  EXT872: (t, d, rows) => applyTrades(t, d, rows as Ext872Row[]),
  EXT869: (t, d, rows) => applyCashActivity(t, d, rows as Ext869Row[]),
  EXT981: (t, d, rows) => applyBalances(t, d, rows as Ext981Row[]),
  EXT_TAXLOT: (t, d, rows) => applyLots(t, d, rows as ExtTaxlotRow[]),
  EXT235: (t, d, rows) => applyCorporateActions(t, d, rows as Ext235Row[]),
  EXT747: (t, d, rows) => applySecurityMaster(t, d, rows as Ext747Row[]),
};

/** Inserts rows 500 at a time. */
async function insertAll(
  trx: Knex.Transaction,
  table: string,
  rows: Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await trx(table).insert(rows.slice(i, i + 500));
}

/**
 * Cash activity (EXT869): the process date's rows replace any earlier file's for that date.
 * Both signs are kept: Apex's (negative = money in) and ours (amount_in, + = money in).
 */
async function applyCashActivity(
  trx: Knex.Transaction,
  processDate: string,
  rows: Ext869Row[],
): Promise<void> {
  await trx('custodian_cash_activity').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_cash_activity',
    rows.map((r, i) => ({
      process_date: processDate,
      line_no: i + 1,
      account_number: r.accountNumber,
      acc_type: r.accType,
      amount: r.amount,
      amount_in: r.amountIn,
      description: r.description,
      currency_code: r.currencyCode,
      batch_code: r.batchCode,
      cusip: r.cusip,
      entry_date: r.entryDate,
      pay_type_code: r.payTypeCode,
      entered_by: r.enteredBy,
      trade_date: r.tradeDate,
      trade_number: r.tradeNumber,
    })),
  );
}

/** End-of-day balances (EXT981), one row per account; a second row for an account rejects the file. */
async function applyBalances(trx: Knex.Transaction, processDate: string, rows: Ext981Row[]): Promise<void> {
  await trx('custodian_balances').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_balances',
    rows.map((r) => ({
      process_date: processDate,
      account_number: r.accountNumber,
      total_equity: r.totalEquity,
      cash_equity: r.cashEquity,
      net_balance: r.netBalance,
      available_to_withdraw: r.availableToWithdraw,
      position_market_value: r.positionMarketValue,
      cash_trade_balance: r.cashTradeBalance,
      cash_settle_balance: r.cashSettleBalance,
    })),
  );
}

/** Tax lots (EXT_TAXLOT); a lot id twice in an account rejects the file. */
async function applyLots(trx: Knex.Transaction, processDate: string, rows: ExtTaxlotRow[]): Promise<void> {
  await trx('custodian_lots').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_lots',
    rows.map((r) => ({
      process_date: processDate,
      account_number: r.accountNumber,
      lot_id: r.lotId,
      cusip: r.cusip,
      symbol: r.symbol,
      open_trade_date: r.openTradeDate,
      open_settle_date: r.openSettleDate,
      qty: r.quantity,
      unit_cost: r.unitCost,
      total_cost: r.totalCost,
      adjusted_cost: r.adjustedCost,
      wash_sale_adj: r.washSaleDisallowedAdj,
      term_code: r.termCode,
      covered_flag: r.coveredFlag,
      acquisition_method: r.acquisitionMethod,
    })),
  );
}

/** Mandatory corporate actions (EXT235). */
async function applyCorporateActions(
  trx: Knex.Transaction,
  processDate: string,
  rows: Ext235Row[],
): Promise<void> {
  await trx('custodian_corporate_actions').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_corporate_actions',
    rows.map((r, i) => ({
      process_date: processDate,
      line_no: i + 1,
      action: r.action,
      cusip: r.cusip,
      cusip_old: r.cusipOld,
      symbol: r.symbol,
      symbol_old: r.symbolOld,
      stock_factor: r.stockFactor,
      cash_factor: r.cashFactor,
      record_date: r.recordDate,
      payable_date: r.payableDate,
    })),
  );
}

/** Security master (EXT747), one row per CUSIP; a CUSIP twice rejects the file. */
async function applySecurityMaster(
  trx: Knex.Transaction,
  processDate: string,
  rows: Ext747Row[],
): Promise<void> {
  await trx('custodian_securities').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_securities',
    rows.map((r) => ({
      process_date: processDate,
      cusip: r.cusip,
      symbol: r.marketSymbol,
      security_type_code: r.securityTypeCode,
      listed_market_code: r.listedMarketCode,
      closing_price: r.closingPrice,
      previous_price: r.previousPrice,
      description: r.description,
      old_cusip: r.oldSecurityNumber,
    })),
  );
}

async function applyPositions(trx: Knex.Transaction, processDate: string, rows: Ext871Row[]): Promise<void> {
  await trx('custodian_positions').where({ process_date: processDate }).del();
  for (let i = 0; i < rows.length; i += 500) {
    await trx('custodian_positions').insert(
      rows.slice(i, i + 500).map((r) => ({
        process_date: processDate,
        account_number: r.accountNumber,
        symbol: r.symbol,
        cusip: r.cusip,
        trade_qty: r.tradeQuantity,
        settle_qty: r.settleQuantity,
        closing_price: r.closingPrice,
      })),
    );
  }
}

async function applyTrades(trx: Knex.Transaction, processDate: string, rows: Ext872Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await trx('custodian_trades')
      .insert(
        rows.slice(i, i + 500).map((r) => ({
          process_date: processDate,
          account_number: r.accountNumber,
          buy_sell_code: r.buySellCode,
          trade_date: r.tradeDate,
          order_id: r.orderId,
          client_order_id: r.clientOrderId || null,
          exec_time_hhmm: r.executionTime,
          cusip: r.cusip,
          symbol: r.symbol,
          qty: r.quantity,
          price: r.price,
          settle_date: r.settlementDate,
          principal: r.principalAmount,
          net_amount: r.netAmount,
        })),
      )
      .onConflict(['process_date', 'account_number', 'order_id', 'trade_date'])
      .ignore();
  }
}
