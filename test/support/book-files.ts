/**
 * The custodian's morning files made from the book itself (as a custodian that agrees with the
 * book would send them), for activity tests to change per account and write into a drop folder.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type Ext235Row,
  type Ext747Row,
  type Ext869Input,
  type Ext871Row,
  type Ext981Row,
  type ExtTaxlotInput,
  type FileCode,
  fileName,
  writeEXT235,
  writeEXT747,
  writeEXT869,
  writeEXT871,
  writeEXT981,
  writeEXT_TAXLOT,
} from '../../src/custodian/files';
import { cashStr, dec, qtyStr } from '../../src/domain/money';
import type { TestDb } from './db';

export interface Book {
  accounts: { id: string; number: string }[];
  positions: { account_id: string; symbol: string; qty: string }[];
  cash: Map<string, string>;
  lots: {
    id: string;
    account_id: string;
    symbol: string;
    open_date: string;
    qty: string;
    unit_cost: string;
  }[];
  securities: { symbol: string; cusip: string; description: string }[];
  close: Map<string, string>;
}

export async function readBook(db: TestDb['db'], asOf: string): Promise<Book> {
  const accounts = (await db('accounts').orderBy('id').select('id', 'custodian_account_number')).map(
    (a: { id: string; custodian_account_number: string }) => ({
      id: a.id,
      number: a.custodian_account_number,
    }),
  );
  const closes: { symbol: string; close: string }[] = await db('prices as p')
    .whereRaw('p.date = (SELECT max(q.date) FROM prices q WHERE q.symbol = p.symbol AND q.date < ?)', [asOf])
    .select('symbol', 'close');
  return {
    accounts,
    positions: await db('positions').where('qty', '>', 0).orderBy(['account_id', 'symbol']),
    cash: new Map(
      (await db('cash_balances').select('account_id', 'amount')).map(
        (c: { account_id: string; amount: string }) => [c.account_id, c.amount],
      ),
    ),
    lots: await db('tax_lots').where('qty', '>', 0).orderBy('id'),
    securities: await db('securities').orderBy('symbol').select('symbol', 'cusip', 'description'),
    close: new Map(closes.map((c) => [c.symbol, c.close])),
  };
}

export interface FileSet {
  EXT871: Ext871Row[];
  EXT981: Ext981Row[];
  EXT_TAXLOT: ExtTaxlotInput[];
  EXT747: Ext747Row[];
  EXT235: Ext235Row[];
  EXT869: Ext869Input[];
}

/**
 * The custodian's files as they would be if the custodian agreed with the book (closes: the
 * book's last before the date), plus a stock split reported and applied on `split.date` if given.
 */
export function filesFromBook(
  book: Book,
  date: string,
  split?: { symbol: string; cusip: string; factor: string; date: string },
  oldCusips: Record<string, string> = {},
): FileSet {
  const number = new Map(book.accounts.map((a) => [a.id, a.number]));
  const cusip = new Map(book.securities.map((s) => [s.symbol, s.cusip]));
  const splits = (symbol: string) => split !== undefined && symbol === split.symbol && date === split.date;
  const f = split ? dec(split.factor) : dec('1');
  return {
    EXT871: book.positions.map((p) => ({
      accountNumber: number.get(p.account_id)!,
      processDate: date,
      firm: 'APEX',
      correspondentId: 'ZOE',
      officeCode: 'ZO1',
      registeredRepCode: 'R01',
      accType: '1',
      symbol: p.symbol,
      cusip: cusip.get(p.symbol)!,
      tradeQuantity: splits(p.symbol) ? qtyStr(dec(p.qty).times(f)) : p.qty,
      settleQuantity: splits(p.symbol) ? qtyStr(dec(p.qty).times(f)) : p.qty,
      currencyCode: 'USD',
      securityTypeCode: 'C',
      description: '',
      marginEligibleCode: 'N',
      closingPrice: splits(p.symbol)
        ? dec(book.close.get(p.symbol)!).div(f).toFixed(6)
        : dec(book.close.get(p.symbol)!).toFixed(6),
    })),
    EXT981: book.accounts.map((a) => {
      const cash = book.cash.get(a.id) ?? '0.00';
      return {
        accountNumber: a.number,
        processDate: date,
        totalEquity: cash,
        cashEquity: cash,
        netBalance: cash,
        availableToWithdraw: cash,
        positionMarketValue: '0.00',
        cashTradeBalance: cash,
        cashSettleBalance: cash,
      };
    }),
    EXT_TAXLOT: book.lots.map((l) => {
      const total = cashStr(dec(l.qty).times(dec(l.unit_cost)));
      return {
        accountNumber: number.get(l.account_id)!,
        processDate: date,
        cusip: cusip.get(l.symbol)!,
        symbol: l.symbol,
        lotId: l.id,
        openTradeDate: l.open_date,
        quantity: splits(l.symbol) ? qtyStr(dec(l.qty).times(f)) : l.qty,
        unitCost: splits(l.symbol) ? dec(l.unit_cost).div(f).toFixed(6) : l.unit_cost,
        totalCost: total,
        adjustedCost: total,
        washSaleDisallowedAdj: '0.00',
        termCode: 'L',
        coveredFlag: 'COVERED',
        acquisitionMethod: 'BUY',
      };
    }),
    EXT747: book.securities.map((s) => ({
      cusip: s.cusip,
      marketSymbol: s.symbol,
      securityTypeCode: 'C',
      listedMarketCode: 'V',
      closingPrice: dec(book.close.get(s.symbol)!).toFixed(6),
      previousPrice: null,
      description: s.description,
      oldSecurityNumber: oldCusips[s.symbol] ?? null,
    })),
    EXT235: split
      ? [
          {
            cusip: split.cusip,
            cusipOld: null,
            symbol: split.symbol,
            symbolOld: null,
            action: split.factor.startsWith('0') ? 'REVERSE_SPLIT' : 'SPLIT',
            stockFactor: split.factor,
            cashFactor: null,
            recordDate: split.date,
            payableDate: split.date,
            processDate: split.date,
          },
        ]
      : [],
    EXT869: [],
  };
}

export const positionOf = (f: FileSet, accountNumber: string, symbol: string) => {
  const row = f.EXT871.find((r) => r.accountNumber === accountNumber && r.symbol === symbol);
  assert.ok(row, `${accountNumber} holds ${symbol}`);
  return row;
};
export const balanceOf = (f: FileSet, accountNumber: string) =>
  f.EXT981.find((r) => r.accountNumber === accountNumber)!;

export async function writeSet(
  dir: string,
  date: string,
  f: FileSet,
  extra: Partial<Record<FileCode, string>> = {},
) {
  const content: Partial<Record<FileCode, string>> = {
    // Positions with lower-case symbols and CUSIPs, as Apex sometimes sends them.
    EXT871: writeEXT871(f.EXT871, { lowerCaseSymbols: true }),
    EXT981: writeEXT981(f.EXT981),
    EXT_TAXLOT: writeEXT_TAXLOT(f.EXT_TAXLOT),
    EXT747: writeEXT747(f.EXT747),
    EXT235: writeEXT235(f.EXT235.filter((r) => r.processDate === date)),
    EXT869: writeEXT869(f.EXT869),
    ...extra,
  };
  for (const [code, text] of Object.entries(content) as [FileCode, string][])
    await writeFile(path.join(dir, fileName(code, date)), text);
}
