/** Sample rows and fast-check arbitraries for the custodian file tests. */
import fc from 'fast-check';
import {
  ACQUISITION_METHODS,
  BUY_SELL_CODES,
  CORPORATE_ACTIONS,
  COVERED_FLAGS,
  type CorporateAction,
  type Ext235Row,
  type Ext747Row,
  type Ext869Row,
  type Ext871Row,
  type Ext872Row,
  type Ext981Row,
  type ExtTaxlotRow,
  type FileCode,
  type RowOf,
  TERM_CODES,
} from '../../src/custodian/files';

export const PD = '2026-11-24';

export const sample871: Ext871Row = {
  accountNumber: '5ZO00001',
  processDate: PD,
  firm: 'APEX',
  correspondentId: 'ZOE',
  officeCode: 'ZO1',
  registeredRepCode: 'R01',
  accType: '1',
  symbol: 'VTI',
  cusip: '922908769',
  tradeQuantity: '10.12345',
  settleQuantity: '9.5',
  currencyCode: 'USD',
  securityTypeCode: 'C',
  description: 'VANGUARD TOTAL STOCK MKT, ETF',
  marginEligibleCode: 'Y',
  closingPrice: '250.1234',
};

export const sample869: Ext869Row = {
  accountNumber: '5ZO00001',
  accType: '1',
  amount: '-500.00',
  amountIn: '500.00',
  description: 'ACH DEPOSIT',
  currencyCode: 'USD',
  processDate: PD,
  batchCode: '9C',
  cusip: null,
  entryDate: PD,
  payTypeCode: 'C',
  enteredBy: 'ACH',
  tradeDate: null,
  tradeNumber: '',
};

export const sample981: Ext981Row = {
  accountNumber: '5ZO00001',
  processDate: PD,
  totalEquity: '100250.55',
  cashEquity: '1250.55',
  netBalance: '1250.55',
  availableToWithdraw: '1200.00',
  positionMarketValue: '99000.00',
  cashTradeBalance: '1250.55',
  cashSettleBalance: '1100.55',
};

export const sample747: Ext747Row = {
  cusip: '922908769',
  marketSymbol: 'VTI',
  securityTypeCode: 'C',
  listedMarketCode: 'V',
  closingPrice: '250.1234',
  previousPrice: '249.9',
  description: 'VANGUARD TOTAL STOCK MKT | ETF',
  oldSecurityNumber: null,
};

export const sample872: Ext872Row = {
  accountNumber: '5ZO00001',
  processDate: PD,
  accType: '1',
  buySellCode: 'B',
  tradeDate: '2026-11-23',
  tradeNumber: '1',
  orderId: 'ORD-0001',
  clientOrderId: '20261123-P5ZO00001-L1-A1',
  executionTime: '1205',
  cusip: '922908769',
  symbol: 'VTI',
  quantity: '3.12345',
  price: '250.12',
  settlementDate: '2026-11-24',
  principalAmount: '781.25',
  netAmount: '-781.25',
  feeSec: '0.00',
  commission: '0.00',
};

export const sampleTaxlot: ExtTaxlotRow = {
  accountNumber: '5ZO00001',
  processDate: PD,
  cusip: '922908769',
  symbol: 'VTI',
  lotId: 'L-5ZO00001-0001',
  openTradeDate: '2025-03-14',
  openSettleDate: '2025-03-17',
  quantity: '10.5',
  unitCost: '201.123456',
  totalCost: '2111.80',
  adjustedCost: '2111.80',
  washSaleDisallowedAdj: '0.00',
  termCode: 'L',
  coveredFlag: 'COVERED',
  acquisitionMethod: 'BUY',
  closingPrice: '250.1234',
  marketValue: '2626.30',
  unrealizedGL: '514.50',
};

export const sample235: Ext235Row = {
  cusip: '922908769',
  cusipOld: null,
  symbol: 'VTI',
  symbolOld: null,
  action: 'SPLIT',
  stockFactor: '2',
  cashFactor: null,
  recordDate: '2026-11-20',
  payableDate: '2026-11-23',
  processDate: PD,
};

export const SAMPLES: { [C in FileCode]: RowOf<C> } = {
  EXT871: sample871,
  EXT869: sample869,
  EXT981: sample981,
  EXT747: sample747,
  EXT872: sample872,
  EXT_TAXLOT: sampleTaxlot,
  EXT235: sample235,
};

/* ------------------------------------------------------------------ arbitraries */

const DAY_MS = 86_400_000;
const BASE = Date.UTC(2020, 0, 1);

export function isoPlus(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export const arbDate = fc
  .integer({ min: 0, max: 3000 })
  .map((d) => new Date(BASE + d * DAY_MS).toISOString().slice(0, 10));

/** A decimal string with up to dp places. */
export function arbDecimal(dp: number, sign: 'any' | 'nonneg' | 'positive' = 'any'): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.boolean(),
      fc.oneof(fc.bigInt({ min: 0n, max: 999n }), fc.bigInt({ min: 0n, max: 10n ** 12n })),
      dp > 0 ? fc.stringMatching(new RegExp(`^[0-9]{0,${dp}}$`)) : fc.constant(''),
    )
    .map(([neg, int, frac]) => {
      const body = `${int}${frac ? `.${frac}` : ''}`;
      const zero = !/[1-9]/.test(body);
      if (zero) return sign === 'positive' ? '1' : body; // never '-0.00'
      return neg && sign === 'any' ? `-${body}` : body;
    });
}

const arbAccount = fc.stringMatching(/^[0-9A-Z]{8}$/);
const arbCusip = fc.stringMatching(/^[0-9A-Z]{9}$/);
const arbSymbol = fc.stringMatching(/^[A-Z][A-Z0-9.]{0,6}$/);
const arbIdent = (req: boolean) =>
  fc.stringMatching(req ? /^[A-Za-z0-9._:-]{1,20}$/ : /^[A-Za-z0-9._:-]{0,20}$/);
/** One line of text: printable ASCII (commas, quotes, pipes and spaces included) or wider Unicode. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we filter out
const NOT_TEXT = /[\u0000-\u001f\u007f\ufeff\ufffd]/;
const arbText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !NOT_TEXT.test(s)),
);
const money = (sign: 'any' | 'nonneg' | 'positive' = 'any') => arbDecimal(2, sign);

const arb871 = fc.record<Ext871Row>({
  accountNumber: arbAccount,
  processDate: fc.constant(PD),
  firm: arbIdent(true),
  correspondentId: arbIdent(true),
  officeCode: arbIdent(false),
  registeredRepCode: arbIdent(false),
  accType: fc.constantFrom('1', '2', '3', 'M'),
  symbol: arbSymbol,
  cusip: arbCusip,
  tradeQuantity: arbDecimal(5),
  settleQuantity: arbDecimal(5),
  currencyCode: fc.constant('USD'),
  securityTypeCode: fc.constantFrom('A', 'C'),
  description: arbText,
  marginEligibleCode: fc.constantFrom('', 'Y', 'N'),
  closingPrice: arbDecimal(6, 'nonneg'),
});

const arb869 = fc
  .record({
    accountNumber: arbAccount,
    accType: fc.constantFrom('1', '2'),
    amountIn: money(),
    description: arbText,
    currencyCode: fc.constant('USD'),
    processDate: fc.constant(PD),
    batchCode: fc.constantFrom('9C', '9D', 'FW', '$+'),
    cusip: fc.option(arbCusip, { nil: null }),
    entryDate: arbDate,
    enteredBy: fc.constantFrom('ACH', 'WRD', 'DIV', ''),
    tradeDate: fc.option(arbDate, { nil: null }),
    tradeNumber: arbIdent(false),
  })
  .map((r): Ext869Row => {
    const amount = r.amountIn.startsWith('-')
      ? r.amountIn.slice(1)
      : /[1-9]/.test(r.amountIn)
        ? `-${r.amountIn}`
        : r.amountIn;
    return { ...r, amount, payTypeCode: r.amountIn.startsWith('-') ? 'D' : 'C' };
  });

const arb981 = fc.record<Ext981Row>({
  accountNumber: arbAccount,
  processDate: fc.constant(PD),
  totalEquity: money(),
  cashEquity: money(),
  netBalance: money(),
  availableToWithdraw: money(),
  positionMarketValue: money(),
  cashTradeBalance: money(),
  cashSettleBalance: money(),
});

const arb747 = fc.record<Ext747Row>({
  cusip: arbCusip,
  marketSymbol: arbSymbol,
  securityTypeCode: fc.constantFrom('A', 'C'),
  listedMarketCode: fc.constantFrom('1', '2', 'V', 'Q', 'O'),
  closingPrice: arbDecimal(6, 'nonneg'),
  previousPrice: fc.option(arbDecimal(6, 'nonneg'), { nil: null }),
  description: arbText,
  oldSecurityNumber: fc.option(arbCusip, { nil: null }),
});

const arb872 = fc
  .record({
    accountNumber: arbAccount,
    processDate: fc.constant(PD),
    accType: fc.constantFrom('1', '2'),
    buySellCode: fc.constantFrom(...BUY_SELL_CODES),
    tradeDate: arbDate,
    settleDays: fc.integer({ min: 0, max: 5 }),
    tradeNumber: arbIdent(true),
    orderId: arbIdent(true),
    clientOrderId: arbIdent(false),
    executionTime: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}`),
    cusip: arbCusip,
    symbol: arbSymbol,
    quantity: arbDecimal(5, 'positive'),
    price: arbDecimal(6, 'positive'),
    principalAmount: money('nonneg'),
    netAmount: money(),
    feeSec: money('nonneg'),
    commission: money('nonneg'),
  })
  .map(({ settleDays, ...r }): Ext872Row => ({ ...r, settlementDate: isoPlus(r.tradeDate, settleDays) }));

const arbTaxlot = fc
  .record({
    accountNumber: arbAccount,
    processDate: fc.constant(PD),
    cusip: arbCusip,
    symbol: arbSymbol,
    lotId: arbIdent(true),
    openTradeDate: arbDate.filter((d) => d <= PD),
    settleDays: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
    quantity: arbDecimal(5, 'positive'),
    unitCost: arbDecimal(6, 'nonneg'),
    totalCost: money('nonneg'),
    adjustedCost: money('nonneg'),
    washSaleDisallowedAdj: money('nonneg'),
    termCode: fc.constantFrom(...TERM_CODES),
    coveredFlag: fc.constantFrom(...COVERED_FLAGS),
    acquisitionMethod: fc.constantFrom(...ACQUISITION_METHODS),
    closingPrice: fc.option(arbDecimal(6, 'nonneg'), { nil: null }),
    marketValue: fc.option(money('nonneg'), { nil: null }),
    unrealizedGL: fc.option(money(), { nil: null }),
  })
  .map(
    ({ settleDays, ...r }): ExtTaxlotRow => ({
      ...r,
      openSettleDate: settleDays === null ? null : isoPlus(r.openTradeDate, settleDays),
    }),
  );

const arb235 = fc
  .record({
    cusip: arbCusip,
    cusipOld: arbCusip,
    symbol: arbSymbol,
    symbolOld: arbSymbol,
    action: fc.constantFrom(...CORPORATE_ACTIONS),
    up: fc.integer({ min: 2, max: 20 }),
    cash: arbDecimal(6, 'positive'),
    recordDate: fc.option(arbDate, { nil: null }),
    payDays: fc.integer({ min: 0, max: 30 }),
  })
  .map((r): Ext235Row => {
    const a: CorporateAction = r.action;
    const stockFactor =
      a === 'SPLIT'
        ? String(r.up)
        : a === 'REVERSE_SPLIT'
          ? `0.${'0'.repeat(r.up % 3)}5`
          : a === 'STOCK_MERGER'
            ? '1.25'
            : null;
    return {
      cusip: r.cusip,
      cusipOld:
        a === 'CUSIP_CHANGE' || a === 'STOCK_MERGER'
          ? r.cusipOld === r.cusip
            ? 'ZZZZZZZZ9'
            : r.cusipOld
          : null,
      symbol: r.symbol,
      symbolOld: a === 'SYMBOL_CHANGE' ? (r.symbolOld === r.symbol ? `${r.symbol}X` : r.symbolOld) : null,
      action: a,
      stockFactor,
      cashFactor: a === 'CASH_MERGER' ? r.cash : null,
      recordDate: r.recordDate,
      payableDate: r.recordDate === null ? null : isoPlus(r.recordDate, r.payDays),
      processDate: PD,
    };
  });

export const ARBS: { [C in FileCode]: fc.Arbitrary<RowOf<C>> } = {
  EXT871: arb871,
  EXT869: arb869,
  EXT981: arb981,
  EXT747: arb747,
  EXT872: arb872,
  EXT_TAXLOT: arbTaxlot,
  EXT235: arb235,
};
