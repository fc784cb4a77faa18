/**
 * How each kind of morning file is stored once parsed (inside the file's own transaction, see
 * ./ingestion.ts): positions (EXT871 → custodian_positions), trades (EXT872 → custodian_trades),
 * cash activity (EXT869 → custodian_cash_activity), balances (EXT981 → custodian_balances), tax lots
 * (EXT_TAXLOT → custodian_lots), corporate actions (EXT235 → custodian_corporate_actions) and the
 * security master (EXT747 → custodian_securities).
 */
import type { Knex } from 'knex';
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

/** How each kind of file is applied (inside the file's own transaction). */
export const APPLY: Record<
  FileCode,
  (trx: Knex.Transaction, processDate: string, rows: unknown[], lines: readonly number[]) => Promise<void>
> = {
  EXT871: (t, d, rows, lines) => applyPositions(t, d, rows as Ext871Row[], lines),
  EXT872: (t, d, rows) => applyTrades(t, d, rows as Ext872Row[]),
  EXT869: (t, d, rows) => applyCashActivity(t, d, rows as Ext869Row[]),
  EXT981: (t, d, rows, lines) => applyBalances(t, d, rows as Ext981Row[], lines),
  EXT_TAXLOT: (t, d, rows, lines) => applyLots(t, d, rows as ExtTaxlotRow[], lines),
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
async function applyBalances(
  trx: Knex.Transaction,
  processDate: string,
  rows: Ext981Row[],
  lines: readonly number[],
): Promise<void> {
  await trx('custodian_balances').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_balances',
    rows.map((r, i) => ({
      process_date: processDate,
      line_no: lines[i] ?? null,
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
async function applyLots(
  trx: Knex.Transaction,
  processDate: string,
  rows: ExtTaxlotRow[],
  lines: readonly number[],
): Promise<void> {
  await trx('custodian_lots').where({ process_date: processDate }).del();
  await insertAll(
    trx,
    'custodian_lots',
    rows.map((r, i) => ({
      process_date: processDate,
      line_no: lines[i] ?? null,
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

async function applyPositions(
  trx: Knex.Transaction,
  processDate: string,
  rows: Ext871Row[],
  lines: readonly number[],
): Promise<void> {
  await trx('custodian_positions').where({ process_date: processDate }).del();
  for (let i = 0; i < rows.length; i += 500) {
    await trx('custodian_positions').insert(
      rows.slice(i, i + 500).map((r, j) => ({
        process_date: processDate,
        line_no: lines[i + j] ?? null,
        rep_code: r.registeredRepCode || null,
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
