/**
 * Row schemas (zod) and column layouts of the custodian's start-of-day files.
 *
 * Row keys are the file's column names in camelCase (CorrespondentID -> correspondentId).
 * Parsed rows use our representation: dates 'YYYY-MM-DD', symbols and CUSIPs upper-case,
 * numbers as decimal strings exactly as written in the file, empty optional values as null
 * (free text and optional identifiers stay '' instead).
 */
import { z } from 'zod';
import { Dec, dec } from '../../domain/money';
import {
  type Codec,
  DP,
  accType,
  accountNumber,
  code,
  currency,
  cusip,
  date,
  hhmm,
  ident,
  money,
  oneOf,
  optCusip,
  optDate,
  optDecimal,
  optSymbol,
  price,
  qty,
  securityType,
  symbol,
  text,
} from './codecs';
import type { FileCode } from './names';

/** One column of a file: its name in the file (and in headers), its key in the row, its codec. */
export type Column<R> = {
  [K in keyof R & string]: {
    name: string;
    key: K;
    codec: Codec<R[K]>;
    /** May be missing from a header (then read as ''). Only for files with headers. */
    optional?: boolean;
  };
}[keyof R & string];

/** A cross-field problem: the row key it is about and what is wrong. */
export interface RowIssue {
  key: string;
  message: string;
}

export interface Layout<R> {
  code: FileCode;
  columns: readonly Column<R>[];
  /** Every key of the row with its codec (derived keys included). */
  codecs: { readonly [K in keyof R]: Codec<R[K]> };
  /** The row schema (field rules and cross-field checks), for anyone holding a row. */
  schema: z.ZodType<R, z.ZodTypeDef, unknown>;
  /** Cross-field checks, run once every field is valid. */
  cross?: (row: R) => RowIssue[];
  /** Adds derived fields to the values read from the columns (e.g. EXT869 amountIn). */
  derive?: (fields: Record<string, unknown>) => Record<string, unknown>;
  /** Key of the row's process date, checked against the file name's date. */
  processDateKey?: keyof R & string;
}

/** Every problem with a row: field rules first; cross-field checks only when the fields are fine. */
export function rowIssues<R>(layout: Layout<R>, row: Record<string, unknown>): RowIssue[] {
  const issues: RowIssue[] = [];
  for (const [key, c] of Object.entries(layout.codecs) as [string, Codec<unknown>][]) {
    const message = c.check(row[key]);
    if (message !== undefined) issues.push({ key, message });
  }
  if (issues.length > 0 || !layout.cross) return issues;
  return layout.cross(row as R);
}

// biome-ignore lint/suspicious/noExplicitAny: a map of codecs of any value type
type Codecs = Record<string, Codec<any>>;
type RowShape<T extends Codecs> = { [K in keyof T]: T[K]['row'] };

/** The zod object shape of a row, from its codecs. */
function rowShape<T extends Codecs>(codecs: T): RowShape<T> {
  const shape: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(codecs)) shape[k] = c.row;
  return shape as RowShape<T>;
}

type RowOfCodecs<T extends Codecs> = z.output<z.ZodObject<RowShape<T>>>;

/** The row schema: the codecs' rules per field, then the cross-field checks. */
function rowSchema<T extends Codecs>(codecs: T, cross?: (row: RowOfCodecs<T>) => RowIssue[]) {
  return z.object(rowShape(codecs)).superRefine((row, ctx) => {
    if (!cross) return;
    const r = row as Record<string, unknown>;
    if (Object.entries(codecs).some(([k, c]) => c.check(r[k]) !== undefined)) return;
    for (const issue of cross(row as RowOfCodecs<T>)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [issue.key], message: issue.message });
    }
  });
}

/** The file's columns in order: [column name, row key, optional in a header?]. */
function columns<R, T extends Codecs>(
  codecs: T,
  list: ReadonlyArray<readonly [string, keyof T & keyof R & string, boolean?]>,
): Column<R>[] {
  return list.map(([name, key, optional]) => ({ name, key, codec: codecs[key], optional }) as Column<R>);
}

/** Negates a decimal string, keeping its number of decimal places ('-500.00' -> '500.00'). */
export function negateDecimal(s: string): string {
  const dot = s.indexOf('.');
  const dp = dot < 0 ? 0 : s.length - dot - 1;
  const d = dec(s).neg();
  return (d.isZero() ? d.abs() : d).toFixed(dp);
}

function cmp(a: string, b: string): number {
  return new Dec(a).cmp(new Dec(b));
}

/* ================================================================== EXT871 positions */

const c871 = {
  accountNumber,
  processDate: date,
  firm: ident({ required: true, what: 'a firm code' }),
  correspondentId: ident({ required: true, what: 'a correspondent id' }),
  officeCode: ident({ required: false, what: 'an office code' }),
  registeredRepCode: ident({ required: false, what: 'a registered rep code' }),
  accType,
  symbol,
  cusip,
  tradeQuantity: qty(),
  settleQuantity: qty(),
  currencyCode: currency,
  securityTypeCode: securityType,
  description: text({ required: false }),
  marginEligibleCode: code(/^[0-9A-Z]?$/, 'empty or one character, e.g. Y or N'),
  closingPrice: price(),
};

/** Positions: one row per account and security. Quantities may be negative (short). */
export const ext871RowSchema = rowSchema(c871);
export type Ext871Row = z.output<typeof ext871RowSchema>;

export const ext871Layout: Layout<Ext871Row> = {
  code: 'EXT871',
  codecs: c871,
  schema: ext871RowSchema,
  processDateKey: 'processDate',
  columns: columns<Ext871Row, typeof c871>(c871, [
    ['AccountNumber', 'accountNumber'],
    ['ProcessDate', 'processDate'],
    ['Firm', 'firm'],
    ['CorrespondentID', 'correspondentId'],
    ['OfficeCode', 'officeCode'],
    ['RegisteredRepCode', 'registeredRepCode'],
    ['AccType', 'accType'],
    ['Symbol', 'symbol'],
    ['CUSIP', 'cusip'],
    ['TradeQuantity', 'tradeQuantity'],
    ['SettleQuantity', 'settleQuantity'],
    ['CurrencyCode', 'currencyCode'],
    ['SecurityTypeCode', 'securityTypeCode'],
    ['Description', 'description'],
    ['MarginEligibleCode', 'marginEligibleCode'],
    ['ClosingPrice', 'closingPrice'],
  ]),
};

/* ================================================================== EXT869 cash activity */

const c869 = {
  accountNumber,
  accType,
  /** Apex's sign: negative = deposit/credit, positive = withdrawal/debit. */
  amount: money(),
  /** Ours: + = money into the account; always -amount. Derived, not a column. */
  amountIn: money(),
  description: text({ required: false }),
  currencyCode: currency,
  processDate: date,
  batchCode: code(/^[0-9A-Z$+]{1,4}$/, 'a batch code of 1-4 characters, e.g. 9C, FW or $+'),
  cusip: optCusip,
  entryDate: date,
  payTypeCode: oneOf(['C', 'D'] as const),
  enteredBy: ident({ required: false, what: 'an entered-by code' }),
  tradeDate: optDate,
  tradeNumber: ident({ required: false, what: 'a trade number' }),
};

function cross869(r: { amount: string; amountIn: string; payTypeCode: 'C' | 'D' }): RowIssue[] {
  const issues: RowIssue[] = [];
  if (cmp(r.amountIn, negateDecimal(r.amount)) !== 0) {
    issues.push({
      key: 'amountIn',
      message: `must be the negation of Amount (${r.amount}): Apex writes money in as a negative amount`,
    });
  }
  const sign = new Dec(r.amount).cmp(0);
  if (r.payTypeCode === 'C' && sign > 0) {
    issues.push({
      key: 'amount',
      message: `is positive (${r.amount}) on a credit (PayTypeCode C); Apex writes credits as negative amounts`,
    });
  }
  if (r.payTypeCode === 'D' && sign < 0) {
    issues.push({
      key: 'amount',
      message: `is negative (${r.amount}) on a debit (PayTypeCode D); Apex writes debits as positive amounts`,
    });
  }
  return issues;
}

/**
 * Cash activity. `amount` is Apex's sign (negative = deposit/credit, positive = withdrawal/debit);
 * `amountIn` is ours (+ = money into the account), always `-amount`. A credit (PayTypeCode C)
 * must not be positive and a debit (D) must not be negative: that catches a flipped convention.
 */
export const ext869RowSchema = rowSchema(c869, cross869);
export type Ext869Row = z.output<typeof ext869RowSchema>;

export const ext869Layout: Layout<Ext869Row> = {
  code: 'EXT869',
  codecs: c869,
  schema: ext869RowSchema,
  cross: cross869,
  processDateKey: 'processDate',
  derive: (f) => ({ ...f, amountIn: typeof f.amount === 'string' ? negateDecimal(f.amount) : undefined }),
  columns: columns<Ext869Row, typeof c869>(c869, [
    ['AccountNumber', 'accountNumber'],
    ['AccType', 'accType'],
    ['Amount', 'amount'],
    ['Description', 'description'],
    ['CurrencyCode', 'currencyCode'],
    ['ProcessDate', 'processDate'],
    ['BatchCode', 'batchCode'],
    ['Cusip', 'cusip'],
    ['EntryDate', 'entryDate'],
    ['PayTypeCode', 'payTypeCode'],
    ['EnteredBy', 'enteredBy'],
    ['TradeDate', 'tradeDate'],
    ['TradeNumber', 'tradeNumber'],
  ]),
};

/* ================================================================== EXT981 balances */

const c981 = {
  accountNumber,
  processDate: date,
  totalEquity: money(),
  cashEquity: money(),
  netBalance: money(),
  availableToWithdraw: money(),
  positionMarketValue: money(),
  cashTradeBalance: money(),
  cashSettleBalance: money(),
};

/** End-of-day balances, one row per account (CSV with a header line). */
export const ext981RowSchema = rowSchema(c981);
export type Ext981Row = z.output<typeof ext981RowSchema>;

export const ext981Layout: Layout<Ext981Row> = {
  code: 'EXT981',
  codecs: c981,
  schema: ext981RowSchema,
  processDateKey: 'processDate',
  columns: columns<Ext981Row, typeof c981>(c981, [
    ['AccountNumber', 'accountNumber'],
    ['ProcessDate', 'processDate'],
    ['TotalEquity', 'totalEquity'],
    ['CashEquity', 'cashEquity'],
    ['NetBalance', 'netBalance'],
    ['AvailableToWithdraw', 'availableToWithdraw'],
    ['PositionMarketValue', 'positionMarketValue'],
    ['CashTradeBalance', 'cashTradeBalance'],
    ['CashSettleBalance', 'cashSettleBalance'],
  ]),
};

/* ================================================================== EXT747 security master */

const c747 = {
  cusip,
  marketSymbol: symbol,
  securityTypeCode: securityType,
  listedMarketCode: code(/^[0-9A-Z]$/, 'a one-character market code, e.g. 1 (NYSE), V (Arca), Q (NMS)'),
  closingPrice: price(),
  previousPrice: optDecimal(DP.price, 'nonneg'),
  description: text({ required: false }),
  /** The CUSIP before a CUSIP change, if any. */
  oldSecurityNumber: optCusip,
};

/** Security master (pipe-delimited, no header). */
export const ext747RowSchema = rowSchema(c747);
export type Ext747Row = z.output<typeof ext747RowSchema>;

export const ext747Layout: Layout<Ext747Row> = {
  code: 'EXT747',
  codecs: c747,
  schema: ext747RowSchema,
  columns: columns<Ext747Row, typeof c747>(c747, [
    ['CUSIP', 'cusip'],
    ['MarketSymbol', 'marketSymbol'],
    ['SecurityTypeCode', 'securityTypeCode'],
    ['ListedMarketCode', 'listedMarketCode'],
    ['ClosingPrice', 'closingPrice'],
    ['PreviousPrice', 'previousPrice'],
    ['Description', 'description'],
    ['OldSecurityNumber', 'oldSecurityNumber'],
  ]),
};

/* ================================================================== EXT872 trade activity */

/** B buy, S sell, C cancel of a buy, T cancel of a sell. */
export const BUY_SELL_CODES = ['B', 'S', 'C', 'T'] as const;
export type BuySellCode = (typeof BUY_SELL_CODES)[number];

/** The side a BuySellCode is about (a cancel is about the side it cancels). */
export function sideOf(buySellCode: BuySellCode): 'BUY' | 'SELL' {
  return buySellCode === 'B' || buySellCode === 'C' ? 'BUY' : 'SELL';
}

/** True for C and T: the custodian cancelled a previously reported trade. */
export function isCancelCode(buySellCode: BuySellCode): boolean {
  return buySellCode === 'C' || buySellCode === 'T';
}

const c872 = {
  accountNumber,
  processDate: date,
  accType,
  buySellCode: oneOf(BUY_SELL_CODES),
  tradeDate: date,
  /** Not unique at Apex. */
  tradeNumber: ident({ required: true, what: 'a trade number' }),
  orderId: ident({ required: true, what: 'an order id' }),
  /** Our addition; may be ''. */
  clientOrderId: ident({ required: false, max: 64, what: 'a client order id' }),
  /** 'HHMM', Eastern Time, no seconds. */
  executionTime: hhmm,
  cusip,
  symbol,
  quantity: qty('positive'),
  price: price('positive'),
  settlementDate: date,
  principalAmount: money('nonneg'),
  netAmount: money(),
  feeSec: money('nonneg'),
  commission: money('nonneg'),
};

function cross872(r: { tradeDate: string; settlementDate: string }): RowIssue[] {
  return r.settlementDate < r.tradeDate
    ? [{ key: 'settlementDate', message: `is before the trade date ${r.tradeDate}` }]
    : [];
}

/** Trade activity (the confirm-equivalent): no header in prod, a header line in UAT. */
export const ext872RowSchema = rowSchema(c872, cross872);
export type Ext872Row = z.output<typeof ext872RowSchema>;

export const ext872Layout: Layout<Ext872Row> = {
  code: 'EXT872',
  codecs: c872,
  schema: ext872RowSchema,
  cross: cross872,
  processDateKey: 'processDate',
  columns: columns<Ext872Row, typeof c872>(c872, [
    ['AccountNumber', 'accountNumber'],
    ['ProcessDate', 'processDate'],
    ['AccType', 'accType'],
    ['BuySellCode', 'buySellCode'],
    ['TradeDate', 'tradeDate'],
    ['TradeNumber', 'tradeNumber'],
    ['OrderID', 'orderId'],
    ['ClientOrderID', 'clientOrderId'],
    ['ExecutionTime', 'executionTime'],
    ['CUSIP', 'cusip'],
    ['Symbol', 'symbol'],
    ['Quantity', 'quantity'],
    ['Price', 'price'],
    ['SettlementDate', 'settlementDate'],
    ['PrincipalAmount', 'principalAmount'],
    ['NetAmount', 'netAmount'],
    ['FeeSec', 'feeSec'],
    ['Commission', 'commission'],
  ]),
};

/* ================================================================== EXT_TAXLOT tax lots */

export const TERM_CODES = ['S', 'L'] as const;
export const COVERED_FLAGS = ['COVERED', 'NONCOVERED'] as const;
export const ACQUISITION_METHODS = ['BUY', 'DRIP', 'ACATS', 'CA'] as const;

const cLot = {
  accountNumber,
  processDate: date,
  cusip,
  symbol,
  lotId: ident({ required: true, max: 64, what: 'a lot id' }),
  openTradeDate: date,
  openSettleDate: optDate,
  quantity: qty('positive'),
  unitCost: price(),
  totalCost: money('nonneg'),
  adjustedCost: money('nonneg'),
  washSaleDisallowedAdj: money('nonneg'),
  /** S short-term, L long-term. */
  termCode: oneOf(TERM_CODES),
  coveredFlag: oneOf(COVERED_FLAGS),
  acquisitionMethod: oneOf(ACQUISITION_METHODS),
  closingPrice: optDecimal(DP.price, 'nonneg'),
  marketValue: optDecimal(DP.money, 'nonneg'),
  unrealizedGL: optDecimal(DP.money),
};

function crossLot(r: {
  processDate: string;
  openTradeDate: string;
  openSettleDate: string | null;
}): RowIssue[] {
  const issues: RowIssue[] = [];
  if (r.openTradeDate > r.processDate) {
    issues.push({ key: 'openTradeDate', message: `is after the process date ${r.processDate}` });
  }
  if (r.openSettleDate !== null && r.openSettleDate < r.openTradeDate) {
    issues.push({ key: 'openSettleDate', message: `is before the open trade date ${r.openTradeDate}` });
  }
  return issues;
}

/**
 * Our own tax-lot file (docs/domain.md §2.6; no public Apex equivalent), CSV with a header line.
 * OpenSettleDate, ClosingPrice, MarketValue and UnrealizedGL are optional columns: null when
 * absent from the header or empty.
 */
export const extTaxlotRowSchema = rowSchema(cLot, crossLot);
export type ExtTaxlotRow = z.output<typeof extTaxlotRowSchema>;

export const extTaxlotLayout: Layout<ExtTaxlotRow> = {
  code: 'EXT_TAXLOT',
  codecs: cLot,
  schema: extTaxlotRowSchema,
  cross: crossLot,
  processDateKey: 'processDate',
  columns: columns<ExtTaxlotRow, typeof cLot>(cLot, [
    ['AccountNumber', 'accountNumber'],
    ['ProcessDate', 'processDate'],
    ['CUSIP', 'cusip'],
    ['Symbol', 'symbol'],
    ['LotId', 'lotId'],
    ['OpenTradeDate', 'openTradeDate'],
    ['OpenSettleDate', 'openSettleDate', true],
    ['Quantity', 'quantity'],
    ['UnitCost', 'unitCost'],
    ['TotalCost', 'totalCost'],
    ['AdjustedCost', 'adjustedCost'],
    ['WashSaleDisallowedAdj', 'washSaleDisallowedAdj'],
    ['TermCode', 'termCode'],
    ['CoveredFlag', 'coveredFlag'],
    ['AcquisitionMethod', 'acquisitionMethod'],
    ['ClosingPrice', 'closingPrice', true],
    ['MarketValue', 'marketValue', true],
    ['UnrealizedGL', 'unrealizedGL', true],
  ]),
};

/** The optional EXT_TAXLOT columns; a writer may leave them out of its input. */
export const TAXLOT_OPTIONAL_KEYS = [
  'openSettleDate',
  'closingPrice',
  'marketValue',
  'unrealizedGL',
] as const;

/* ================================================================== EXT235 corporate actions */

export const CORPORATE_ACTIONS = [
  'SPLIT',
  'REVERSE_SPLIT',
  'CASH_MERGER',
  'STOCK_MERGER',
  'SYMBOL_CHANGE',
  'CUSIP_CHANGE',
] as const;
export type CorporateAction = (typeof CORPORATE_ACTIONS)[number];

const c235 = {
  cusip,
  cusipOld: optCusip,
  symbol,
  symbolOld: optSymbol,
  action: oneOf(CORPORATE_ACTIONS),
  /** New shares per old share: 2 for a 2-for-1 split, 0.1 for a 1-for-10 reverse split. */
  stockFactor: optDecimal(DP.factor, 'positive'),
  /** Cash per old share. */
  cashFactor: optDecimal(DP.price, 'nonneg'),
  recordDate: optDate,
  payableDate: optDate,
  processDate: date,
};

function cross235(r: {
  cusip: string;
  cusipOld: string | null;
  symbol: string;
  symbolOld: string | null;
  action: CorporateAction;
  stockFactor: string | null;
  cashFactor: string | null;
  recordDate: string | null;
  payableDate: string | null;
}): RowIssue[] {
  const issues: RowIssue[] = [];
  const issue = (key: string, message: string) => issues.push({ key, message });
  const needStock = r.action === 'SPLIT' || r.action === 'REVERSE_SPLIT' || r.action === 'STOCK_MERGER';
  if (needStock && r.stockFactor === null) issue('stockFactor', `is required for ${r.action}`);
  if (r.action === 'SPLIT' && r.stockFactor !== null && cmp(r.stockFactor, '1') <= 0) {
    issue('stockFactor', `must be greater than 1 for a SPLIT (got ${r.stockFactor})`);
  }
  if (r.action === 'REVERSE_SPLIT' && r.stockFactor !== null && cmp(r.stockFactor, '1') >= 0) {
    issue('stockFactor', `must be less than 1 for a REVERSE_SPLIT (got ${r.stockFactor})`);
  }
  if (r.action === 'CASH_MERGER' && (r.cashFactor === null || cmp(r.cashFactor, '0') <= 0)) {
    issue('cashFactor', 'must be greater than zero for a CASH_MERGER');
  }
  if (r.action === 'SYMBOL_CHANGE' && (r.symbolOld === null || r.symbolOld === r.symbol)) {
    issue('symbolOld', 'must be given and differ from Symbol for a SYMBOL_CHANGE');
  }
  if (
    (r.action === 'CUSIP_CHANGE' || r.action === 'STOCK_MERGER') &&
    (r.cusipOld === null || r.cusipOld === r.cusip)
  ) {
    issue('cusipOld', `must be given and differ from Cusip for a ${r.action}`);
  }
  if (r.recordDate !== null && r.payableDate !== null && r.payableDate < r.recordDate) {
    issue('payableDate', `is before the record date ${r.recordDate}`);
  }
  return issues;
}

/**
 * Mandatory corporate actions (pipe-delimited), with the factors each action needs checked.
 * StockFactor = new shares per old share; CashFactor = cash per old share.
 */
export const ext235RowSchema = rowSchema(c235, cross235);
export type Ext235Row = z.output<typeof ext235RowSchema>;

export const ext235Layout: Layout<Ext235Row> = {
  code: 'EXT235',
  codecs: c235,
  schema: ext235RowSchema,
  cross: cross235,
  processDateKey: 'processDate',
  columns: columns<Ext235Row, typeof c235>(c235, [
    ['Cusip', 'cusip'],
    ['CusipOld', 'cusipOld'],
    ['Symbol', 'symbol'],
    ['SymbolOld', 'symbolOld'],
    ['Action', 'action'],
    ['StockFactor', 'stockFactor'],
    ['CashFactor', 'cashFactor'],
    ['RecordDate', 'recordDate'],
    ['PayableDate', 'payableDate'],
    ['ProcessDate', 'processDate'],
  ]),
};

/* ================================================================== by code */

export interface RowTypes {
  EXT871: Ext871Row;
  EXT869: Ext869Row;
  EXT981: Ext981Row;
  EXT747: Ext747Row;
  EXT872: Ext872Row;
  EXT_TAXLOT: ExtTaxlotRow;
  EXT235: Ext235Row;
}
export type RowOf<C extends FileCode> = RowTypes[C];

export const LAYOUTS: { [C in FileCode]: Layout<RowOf<C>> } = {
  EXT871: ext871Layout,
  EXT869: ext869Layout,
  EXT981: ext981Layout,
  EXT747: ext747Layout,
  EXT872: ext872Layout,
  EXT_TAXLOT: extTaxlotLayout,
  EXT235: ext235Layout,
};

export const ROW_SCHEMAS: { [C in FileCode]: z.ZodType<RowOf<C>, z.ZodTypeDef, unknown> } = {
  EXT871: ext871RowSchema,
  EXT869: ext869RowSchema,
  EXT981: ext981RowSchema,
  EXT747: ext747RowSchema,
  EXT872: ext872RowSchema,
  EXT_TAXLOT: extTaxlotRowSchema,
  EXT235: ext235RowSchema,
};
