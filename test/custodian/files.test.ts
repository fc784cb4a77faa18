import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FILE_CODES,
  FILE_KINDS,
  type FileCode,
  LAYOUTS,
  type ParseResult,
  ROW_SCHEMAS,
  checksum,
  ext869RowSchema,
  ext871RowSchema,
  fileName,
  formatFileError,
  isCancelCode,
  parseCustodianFile,
  parseCustodianFileByName,
  parseFileName,
  sideOf,
  writeCustodianFile,
  writeEXT235,
  writeEXT747,
  writeEXT869,
  writeEXT871,
  writeEXT872,
  writeEXT981,
  writeEXT_TAXLOT,
} from '../../src/custodian/files';
import {
  PD,
  SAMPLES,
  sample235,
  sample747,
  sample869,
  sample871,
  sample872,
  sample981,
  sampleTaxlot,
} from './fixtures';

const N871 = 'EXT871_ZOE_20261124.csv';
const N869 = 'EXT869_ZOE_20261124.csv';
const N981 = 'EXT981_ZOE_20261124.csv';
const N747 = 'EXT747_ZOE_20261124.txt';
const N872 = 'EXT872_ZOE_20261124.csv';
const NLOT = 'EXT_TAXLOT_ZOE_20261124.csv';
const N235 = 'EXT235_ZOE_20261124.txt';

function okRows<R>(res: ParseResult<R>): R[] {
  if (!res.ok) assert.fail(`expected ok, got errors:\n${res.errors.map(formatFileError).join('\n')}`);
  return res.rows;
}

function errorsOf<R>(res: ParseResult<R>) {
  if (res.ok) assert.fail(`expected errors, got ${res.rowCount} rows`);
  return res.errors;
}

describe('file names', () => {
  it('builds EXT{code}_{correspondent}_{YYYYMMDD}.{csv|txt}', () => {
    assert.equal(fileName('EXT871', PD), N871);
    assert.equal(fileName('EXT747', PD), N747);
    assert.equal(fileName('EXT235', '20261124', 'CORR'), 'EXT235_CORR_20261124.txt');
    assert.equal(fileName('EXT_TAXLOT', PD), NLOT);
  });

  it('round-trips every code through parseFileName', () => {
    for (const code of FILE_CODES) {
      assert.deepEqual(parseFileName(fileName(code, '2024-02-29', 'ABC1')), {
        code,
        correspondent: 'ABC1',
        processDate: '2024-02-29',
      });
    }
  });

  it('reads the public sample name, paths and lower case', () => {
    assert.deepEqual(parseFileName('EXT871_CORR_20150925.csv'), {
      code: 'EXT871',
      correspondent: 'CORR',
      processDate: '2015-09-25',
    });
    assert.equal(parseFileName('/drop/in/ext872_zoe_20261124.CSV')?.code, 'EXT872');
    assert.equal(parseFileName('C:\\drop\\EXT_TAXLOT_ZOE_20261124.csv')?.code, 'EXT_TAXLOT');
  });

  it('refuses unknown codes, wrong extensions, bad dates and junk', () => {
    for (const bad of [
      'EXT765_ZOE_20261124.csv',
      'EXT871_ZOE_20261124.txt',
      'EXT747_ZOE_20261124.csv',
      'EXT871_ZOE_20261131.csv',
      'EXT871_ZOE_2026112.csv',
      'EXT871__20261124.csv',
      'EXT871_ZOE_20261124.csv.tmp',
      'positions.csv',
      '',
    ]) {
      assert.equal(parseFileName(bad), undefined, bad);
    }
  });

  it('throws on a bad date or correspondent (a programming error)', () => {
    assert.throws(() => fileName('EXT871', '2026-02-30'), /real date/);
    assert.throws(() => fileName('EXT871', PD, 'Z_O'), /correspondent/);
  });
});

describe('checksum', () => {
  it('is the sha256 hex of the bytes, the same for a string and its UTF-8 buffer', () => {
    assert.equal(checksum(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(checksum('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(checksum('é,ü'), checksum(Buffer.from('é,ü', 'utf8')));
    const content = writeEXT871([sample871]);
    const res = parseCustodianFile('EXT871', content, N871);
    assert.equal(res.checksum, checksum(content));
    const bad = parseCustodianFile('EXT871', 'x', N871);
    assert.equal(bad.checksum, checksum('x'));
  });
});

describe('round trip writer -> parser', () => {
  for (const code of FILE_CODES) {
    it(`${code}`, () => {
      const sample = SAMPLES[code];
      const content = writeCustodianFile(code, [sample, sample]);
      const res = parseCustodianFile(code, content, fileName(code, PD));
      assert.deepEqual(okRows(res), [sample, sample]);
      assert.equal(res.ok && res.rowCount, 2);
      for (const row of okRows(res)) assert.ok(ROW_SCHEMAS[code].safeParse(row).success);
    });
  }

  it('keeps quoted commas, quotes, pipes and surrounding spaces in text', () => {
    const row = { ...sample871, description: '  "BIG" FUND, CLASS A | ETF  ' };
    const content = writeEXT871([row]);
    assert.ok(content.includes('"  ""BIG"" FUND, CLASS A | ETF  "'));
    assert.deepEqual(okRows(parseCustodianFile('EXT871', content, N871)), [row]);
    const row747 = { ...sample747, description: 'A|B, "C"' };
    const txt = writeEXT747([row747]);
    assert.ok(txt.includes('|"A|B, ""C"""|'));
    assert.deepEqual(okRows(parseCustodianFile('EXT747', txt, N747)), [row747]);
  });

  it('writes no lines for no rows, and that parses as zero rows', () => {
    assert.equal(writeEXT871([]), '');
    assert.equal(writeEXT981([]), `${LAYOUTS.EXT981.columns.map((c) => c.name).join(',')}\n`);
    assert.deepEqual(okRows(parseCustodianFile('EXT981', writeEXT981([]), N981)), []);
  });

  it('writers refuse invalid rows, naming the column', () => {
    assert.throws(
      () => writeEXT871([{ ...sample871, tradeQuantity: '1.123456' }]),
      /TradeQuantity: must have at most 5/,
    );
    assert.throws(
      () => writeEXT871([{ ...sample871, processDate: '2026-02-30' }]),
      /ProcessDate: is not a real/,
    );
    assert.throws(
      () => writeEXT872([{ ...sample872, settlementDate: '2026-11-20' }]),
      /SettlementDate: is before/,
    );
    assert.throws(
      () => writeEXT871([{ ...sample871, description: 'two\nlines' }]),
      /Description: must be one line/,
    );
    assert.throws(
      () => writeEXT869([{ ...sample869, amountIn: '500.00', amount: '500.00' }]),
      /must be the negation of Amount/,
    );
  });
});

describe('quirks', () => {
  it('lower-case symbols and CUSIPs are written lower and read upper', () => {
    const row = { ...sample872, cusip: '92290X769' };
    const content = writeEXT872([row], { lowerCaseSymbols: true });
    assert.ok(content.includes(',92290x769,vti,'), content);
    const res = parseCustodianFile('EXT872', content, N872);
    assert.deepEqual(okRows(res), [row]);
    assert.equal(res.ok && res.quirks.lowerCaseSymbols, 1);
    assert.equal(res.ok && res.quirks.lowerCaseCusips, 1);
    const symbolsOnly = writeEXT872([row], { lowerCaseSymbols: true, lowerCaseCusips: false });
    assert.ok(symbolsOnly.includes(',92290X769,vti,'), symbolsOnly);
  });

  it('lower case in hand-written lines of every file with symbols', () => {
    const r747 = okRows(parseCustodianFile('EXT747', 'abcde1234|brk.b|a|1|1.5||berkshire|\n', N747));
    assert.equal(r747[0]?.cusip, 'ABCDE1234');
    assert.equal(r747[0]?.marketSymbol, 'BRK.B');
    assert.equal(r747[0]?.securityTypeCode, 'A');
    assert.equal(r747[0]?.description, 'berkshire');
    const r235 = okRows(
      parseCustodianFile('EXT235', 'newcusip1|oldcusip1|xyz|abc|symbol_change|||||20261124\n', N235),
    );
    assert.equal(r235[0]?.symbolOld, 'ABC');
    assert.equal(r235[0]?.cusipOld, 'OLDCUSIP1');
    assert.equal(r235[0]?.action, 'SYMBOL_CHANGE');
  });

  it('EXT872: no header in prod, a header in UAT; the parser takes both', () => {
    const prod = writeEXT872([sample872]);
    const uat = writeEXT872([sample872], { uat: true });
    assert.equal(prod.split('\n').length, 2);
    assert.ok(uat.startsWith('AccountNumber,ProcessDate,AccType,BuySellCode,TradeDate,'));
    assert.equal(writeEXT872([sample872], { header: true }), uat);
    const a = parseCustodianFile('EXT872', prod, N872);
    const b = parseCustodianFile('EXT872', uat, N872);
    assert.deepEqual(okRows(a), okRows(b));
    assert.equal(a.ok && a.quirks.header, false);
    assert.equal(b.ok && b.quirks.header, true);
  });

  it('a header with reordered columns and unknown extra columns is read by name', () => {
    const header =
      'AccountNumber,ProcessDate,CashSettleBalance,CashTradeBalance,PositionMarketValue,AvailableToWithdraw,NetBalance,CashEquity,TotalEquity,MarginEquity,SMA';
    const line = '5ZO00001,20261124,1100.55,1250.55,99000.00,1200.00,1250.55,1250.55,100250.55,0.00,0.00';
    const res = parseCustodianFile('EXT981', `${header}\n${line}\n`, N981);
    assert.deepEqual(okRows(res), [sample981]);
    assert.deepEqual(res.ok && res.warnings.map((w) => w.message), [
      'unknown column "MarginEquity" in the header is ignored',
      'unknown column "SMA" in the header is ignored',
    ]);
  });

  it('EXT869 sign convention: a deposit of 500.00 is written -500.00 and read as amountIn 500.00', () => {
    const { amount: _amount, ...deposit } = sample869;
    const content = writeEXT869([deposit]);
    assert.equal(content, '5ZO00001,1,-500.00,ACH DEPOSIT,USD,20261124,9C,,20261124,C,ACH,,\n');
    const [row] = okRows(parseCustodianFile('EXT869', content, N869));
    assert.equal(row?.amount, '-500.00');
    assert.equal(row?.amountIn, '500.00');
  });

  it('EXT869 sign convention: a withdrawal of 250.00 is written 250.00 and read as amountIn -250.00', () => {
    const content = writeEXT869([
      {
        ...sample869,
        amount: undefined,
        amountIn: '-250.00',
        payTypeCode: 'D',
        batchCode: '9D',
        description: 'ACH OUT',
      },
    ]);
    assert.ok(content.startsWith('5ZO00001,1,250.00,ACH OUT,'), content);
    const [row] = okRows(parseCustodianFile('EXT869', content, N869));
    assert.equal(row?.amountIn, '-250.00');
    assert.equal(row?.payTypeCode, 'D');
  });

  it('EXT869: a credit with a positive amount is a flipped sign convention and is refused', () => {
    const line = '5ZO00001,1,500.00,ACH DEPOSIT,USD,20261124,9C,,20261124,C,ACH,,\n';
    const errors = errorsOf(parseCustodianFile('EXT869', line, N869));
    assert.equal(
      formatFileError(errors[0]!),
      `${N869} line 1, field Amount: is positive (500.00) on a credit (PayTypeCode C); Apex writes credits as negative amounts`,
    );
  });

  it('CRLF line endings, a BOM and no trailing newline are all read', () => {
    const content = writeEXT871([sample871, sample871], {
      lineEnding: '\r\n',
      bom: true,
      trailingNewline: false,
    });
    assert.ok(content.startsWith('\uFEFF') && content.includes('\r\n') && !content.endsWith('\n'));
    const res = parseCustodianFile('EXT871', Buffer.from(content, 'utf8'), N871);
    assert.deepEqual(okRows(res), [sample871, sample871]);
    assert.ok(res.ok && res.quirks.bom && res.quirks.crlf && res.quirks.missingTrailingNewline);
    assert.match(res.ok ? (res.warnings[0]?.message ?? '') : '', /no line break/);
    const strict = parseCustodianFile('EXT871', content, N871, { requireTrailingNewline: true });
    assert.match(errorsOf(strict)[0]?.message ?? '', /may be truncated/);
  });

  it('a BOM before a header line is read (EXT981)', () => {
    const content = writeEXT981([sample981], { bom: true, lineEnding: '\r\n' });
    assert.deepEqual(okRows(parseCustodianFile('EXT981', content, N981)), [sample981]);
  });

  it('blank lines are skipped and line numbers still count them', () => {
    const line = writeEXT871([sample871]).trim();
    const bad = line.replace(',9.5,', ',9.5x,');
    const errors = errorsOf(parseCustodianFile('EXT871', `${line}\n\n\n${bad}\n\n`, N871));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 4);
    assert.equal(errors[0]?.field, 'SettleQuantity');
  });

  it('EXT_TAXLOT: the optional columns may be missing from the header', () => {
    const header =
      'AccountNumber,ProcessDate,CUSIP,Symbol,LotId,OpenTradeDate,Quantity,UnitCost,TotalCost,AdjustedCost,WashSaleDisallowedAdj,TermCode,CoveredFlag,AcquisitionMethod';
    const line = '5ZO00001,20261124,922908769,VTI,L1,20251201,2,100.5,201.00,231.00,30.00,s,noncovered,buy';
    const [row] = okRows(parseCustodianFile('EXT_TAXLOT', `${header}\n${line}\n`, NLOT));
    assert.deepEqual(row, {
      accountNumber: '5ZO00001',
      processDate: '2026-11-24',
      cusip: '922908769',
      symbol: 'VTI',
      lotId: 'L1',
      openTradeDate: '2025-12-01',
      openSettleDate: null,
      quantity: '2',
      unitCost: '100.5',
      totalCost: '201.00',
      adjustedCost: '231.00',
      washSaleDisallowedAdj: '30.00',
      termCode: 'S',
      coveredFlag: 'NONCOVERED',
      acquisitionMethod: 'BUY',
      closingPrice: null,
      marketValue: null,
      unrealizedGL: null,
    });
    const { openSettleDate: _a, closingPrice: _b, marketValue: _c, unrealizedGL: _d, ...lean } = sampleTaxlot;
    const written = writeEXT_TAXLOT([lean]);
    assert.deepEqual(okRows(parseCustodianFile('EXT_TAXLOT', written, NLOT)), [
      { ...sampleTaxlot, openSettleDate: null, closingPrice: null, marketValue: null, unrealizedGL: null },
    ]);
  });
});

describe('hand-written fixture lines parse to exact values', () => {
  it('EXT871 positions', () => {
    const content =
      '5ZO00001,20261124,APEX,ZOE,ZO1,R01,1,vti,922908769,10.50000,10.5,USD,C,"VANGUARD TOTAL STOCK MKT, ETF",Y,250.1234\n' +
      '5ZO00002,20261124,APEX,ZOE,,,2,BND,921937835,-3.00001,0,usd,c,VANGUARD TOTAL BOND,,71.05\r\n';
    assert.deepEqual(okRows(parseCustodianFile('EXT871', content, N871)), [
      {
        accountNumber: '5ZO00001',
        processDate: '2026-11-24',
        firm: 'APEX',
        correspondentId: 'ZOE',
        officeCode: 'ZO1',
        registeredRepCode: 'R01',
        accType: '1',
        symbol: 'VTI',
        cusip: '922908769',
        tradeQuantity: '10.50000',
        settleQuantity: '10.5',
        currencyCode: 'USD',
        securityTypeCode: 'C',
        description: 'VANGUARD TOTAL STOCK MKT, ETF',
        marginEligibleCode: 'Y',
        closingPrice: '250.1234',
      },
      {
        accountNumber: '5ZO00002',
        processDate: '2026-11-24',
        firm: 'APEX',
        correspondentId: 'ZOE',
        officeCode: '',
        registeredRepCode: '',
        accType: '2',
        symbol: 'BND',
        cusip: '921937835',
        tradeQuantity: '-3.00001',
        settleQuantity: '0',
        currencyCode: 'USD',
        securityTypeCode: 'C',
        description: 'VANGUARD TOTAL BOND',
        marginEligibleCode: '',
        closingPrice: '71.05',
      },
    ]);
  });

  it('EXT869 cash activity: deposit, withdrawal, dividend', () => {
    const content = [
      '5ZO00001,1,-500.00,ACH DEPOSIT,USD,20261124,9C,,20261124,C,ACH,,',
      '5ZO00001,1,1000.00,WIRE OUT,USD,20261124,FW,,20261123,D,WRD,,',
      '5ZO00002,1,-12.34,"DIVIDEND, VTI",USD,20261124,$+,922908769,20261124,C,DIV,20261120,T123',
      '',
    ].join('\n');
    const rows = okRows(parseCustodianFile('EXT869', content, N869));
    assert.deepEqual(
      rows.map((r) => [
        r.amount,
        r.amountIn,
        r.payTypeCode,
        r.batchCode,
        r.cusip,
        r.tradeDate,
        r.tradeNumber,
      ]),
      [
        ['-500.00', '500.00', 'C', '9C', null, null, ''],
        ['1000.00', '-1000.00', 'D', 'FW', null, null, ''],
        ['-12.34', '12.34', 'C', '$+', '922908769', '2026-11-20', 'T123'],
      ],
    );
    assert.equal(rows[2]?.description, 'DIVIDEND, VTI');
    assert.equal(rows[1]?.entryDate, '2026-11-23');
    assert.equal(rows[2]?.enteredBy, 'DIV');
  });

  it('EXT981 balances', () => {
    const content =
      'AccountNumber,ProcessDate,TotalEquity,CashEquity,NetBalance,AvailableToWithdraw,PositionMarketValue,CashTradeBalance,CashSettleBalance\n' +
      '5ZO00001,20261124,100250.55,1250.55,1250.55,1200.00,99000.00,1250.55,1100.55\n' +
      '5ZO00002,20261124,0,-5.25,-5.25,0.00,0.00,-5.25,-5.25\n';
    const rows = okRows(parseCustodianFile('EXT981', content, N981));
    assert.deepEqual(rows[0], sample981);
    assert.deepEqual(rows[1], {
      accountNumber: '5ZO00002',
      processDate: '2026-11-24',
      totalEquity: '0',
      cashEquity: '-5.25',
      netBalance: '-5.25',
      availableToWithdraw: '0.00',
      positionMarketValue: '0.00',
      cashTradeBalance: '-5.25',
      cashSettleBalance: '-5.25',
    });
  });

  it('EXT747 security master', () => {
    const content =
      '922908769|VTI|C|V|250.1234|249.9|VANGUARD TOTAL STOCK MKT ETF|\n38141G104|GS|A|1|512.10||GOLDMAN SACHS|38141G10X\n';
    assert.deepEqual(okRows(parseCustodianFile('EXT747', content, N747)), [
      {
        cusip: '922908769',
        marketSymbol: 'VTI',
        securityTypeCode: 'C',
        listedMarketCode: 'V',
        closingPrice: '250.1234',
        previousPrice: '249.9',
        description: 'VANGUARD TOTAL STOCK MKT ETF',
        oldSecurityNumber: null,
      },
      {
        cusip: '38141G104',
        marketSymbol: 'GS',
        securityTypeCode: 'A',
        listedMarketCode: '1',
        closingPrice: '512.10',
        previousPrice: null,
        description: 'GOLDMAN SACHS',
        oldSecurityNumber: '38141G10X',
      },
    ]);
  });

  it('EXT872 trade activity (prod, no header), including a cancel', () => {
    const content =
      '5ZO00001,20261124,1,B,20261123,1,ORD-0001,20261123-P5ZO00001-L1-A1,1205,922908769,VTI,3.12345,250.12,20261124,781.25,-781.25,0.00,0.00\n' +
      '5ZO00001,20261124,1,T,20261123,2,ORD-0002,,0931,921937835,bnd,1,71.0512,20261124,71.05,71.04,0.01,0.00\n';
    const rows = okRows(parseCustodianFile('EXT872', content, N872));
    assert.deepEqual(rows[0], sample872);
    assert.deepEqual(rows[1], {
      accountNumber: '5ZO00001',
      processDate: '2026-11-24',
      accType: '1',
      buySellCode: 'T',
      tradeDate: '2026-11-23',
      tradeNumber: '2',
      orderId: 'ORD-0002',
      clientOrderId: '',
      executionTime: '0931',
      cusip: '921937835',
      symbol: 'BND',
      quantity: '1',
      price: '71.0512',
      settlementDate: '2026-11-24',
      principalAmount: '71.05',
      netAmount: '71.04',
      feeSec: '0.01',
      commission: '0.00',
    });
    assert.equal(sideOf('T'), 'SELL');
    assert.equal(sideOf('C'), 'BUY');
    assert.equal(isCancelCode('T'), true);
    assert.equal(isCancelCode('B'), false);
  });

  it('EXT235 corporate actions', () => {
    const content = [
      '922908769||VTI||SPLIT|2||20261120|20261123|20261124',
      '46090E103||QQQ||REVERSE_SPLIT|0.1||||20261124',
      '12345678X||ACQD||CASH_MERGER||25.50||20261201|20261124',
      'NEWCUSIP1|OLDCUSIP1|XYZ|ABC|SYMBOL_CHANGE|||||20261124',
      '',
    ].join('\n');
    const rows = okRows(parseCustodianFile('EXT235', content, N235));
    assert.deepEqual(rows[0], sample235);
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => [r.action, r.stockFactor, r.cashFactor, r.cusipOld, r.symbolOld, r.payableDate]),
      [
        ['REVERSE_SPLIT', '0.1', null, null, null, null],
        ['CASH_MERGER', null, '25.50', null, null, '2026-12-01'],
        ['SYMBOL_CHANGE', null, null, 'OLDCUSIP1', 'ABC', null],
      ],
    );
  });
});

describe('errors say file, line, field and what', () => {
  const good = writeEXT871([{ ...sample871, description: 'VANGUARD TOTAL STOCK MKT ETF' }]).trim();

  it('names the field and shows the value', () => {
    const content = `${good}\n${good.replace('10.12345', '1O.5')}\n`;
    const errors = errorsOf(parseCustodianFile('EXT871', content, N871));
    assert.equal(errors.length, 1);
    assert.deepEqual(errors[0], {
      file: N871,
      line: 2,
      field: 'TradeQuantity',
      message: 'must be a decimal number written as a string, e.g. "12.50" (got "1O.5")',
    });
    assert.equal(
      formatFileError(errors[0]!),
      'EXT871_ZOE_20261124.csv line 2, field TradeQuantity: must be a decimal number written as a string, e.g. "12.50" (got "1O.5")',
    );
  });

  it('is all or nothing and reports every error in the file', () => {
    const lines = [
      good,
      good.replace('20261124', '20261131'),
      good,
      good.replace(',USD,', ',US,').replace('250.1234', '-1'),
      good.replace(',1,VTI,', ',1,,'),
    ];
    const res = parseCustodianFile('EXT871', `${lines.join('\n')}\n`, N871);
    const errors = errorsOf(res);
    assert.deepEqual(
      errors.map((e) => [e.line, e.field, e.message]),
      [
        [2, 'ProcessDate', 'is not a real calendar date (got "20261131")'],
        [4, 'CurrencyCode', 'must be a three-letter currency code, e.g. USD (got "US")'],
        [4, 'ClosingPrice', 'must not be negative (got "-1")'],
        [5, 'Symbol', 'must be a ticker symbol (letters, digits, . / -; at most 15 characters) (got "")'],
      ],
    );
    assert.equal(res.ok, false);
    assert.ok(!('rows' in res));
  });

  it('wrong column count, with a hint when the delimiter looks wrong', () => {
    const errors = errorsOf(
      parseCustodianFile(
        'EXT871',
        `${good},EXTRA\n${good.split(',').slice(0, 15).join(',')}\n${good.replaceAll(',', '|')}\n`,
        N871,
      ),
    );
    assert.deepEqual(
      errors.map((e) => [e.line, e.field, e.message]),
      [
        [1, undefined, 'expected 16 fields separated by commas (,), found 17'],
        [2, undefined, 'expected 16 fields separated by commas (,), found 15'],
        [
          3,
          undefined,
          'expected 16 fields separated by commas (,), found 1; the line contains pipes: wrong delimiter?',
        ],
      ],
    );
    const asCsv = errorsOf(parseCustodianFile('EXT747', 'A,B,C\n', N747));
    assert.match(
      asCsv[0]?.message ?? '',
      /separated by pipes \(\|\), found 1; the line contains commas: wrong delimiter\?/,
    );
  });

  it('a truncated last line says it may be truncated', () => {
    const content = `${good}\n${good.slice(0, 40)}`;
    const errors = errorsOf(parseCustodianFile('EXT871', content, N871));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 2);
    assert.match(
      errors[0]?.message ?? '',
      /found \d+ \(the file does not end with a line break: the last line may be truncated\)/,
    );
  });

  it('an unclosed quote is reported at the line where it opens', () => {
    const content = `${good}\n${good.replace('VANGUARD', '"VANGUARD')}\n${good}\n`;
    const errors = errorsOf(parseCustodianFile('EXT871', content, N871));
    assert.ok(errors.length >= 1);
    assert.equal(errors[0]?.line, 2);
    assert.match(errors[0]?.message ?? '', /quote/);
  });

  it('a quoted field cut off at the end of the file', () => {
    const content = `${good}\n5ZO00001,20261124,APEX,ZOE,ZO1,R01,1,VTI,922908769,1,1,USD,C,"VANGUARD TOT`;
    const errors = errorsOf(parseCustodianFile('EXT871', content, N871));
    assert.deepEqual(
      errors.map((e) => [e.line, e.message]),
      [[2, 'a quoted field starting on this line is never closed (truncated file or a stray ")']],
    );
  });

  it('a line break inside a quoted field is refused, and later lines keep their numbers', () => {
    const content = `${good.replace('VANGUARD TOTAL STOCK MKT ETF', '"VANGUARD\nTOTAL"')}\n${good.replace(',Y,', ',YY,')}\n`;
    const errors = errorsOf(parseCustodianFile('EXT871', content, N871));
    assert.deepEqual(
      errors.map((e) => [e.line, e.field]),
      [
        [1, 'Description'],
        [3, 'MarginEligibleCode'],
      ],
    );
  });

  it('non-UTF-8 bytes: the line of the first bad byte', () => {
    const bytes = Buffer.concat([
      Buffer.from(`${good}\n${good.slice(0, 30)}`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    const errors = errorsOf(parseCustodianFile('EXT871', bytes, N871));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 2);
    assert.match(errors[0]?.message ?? '', /^is not valid UTF-8: byte 0xC3 at offset \d+/);
  });

  it('binary garbage: control characters are reported per line', () => {
    const errors = errorsOf(parseCustodianFile('EXT871', `${good}\nab\u0000cd\n\u0007\n`, N871));
    assert.deepEqual(
      errors.map((e) => [e.line, e.message]),
      [
        [2, 'contains U+0000 (NUL) at character 3 of the line, which PostgreSQL cannot store (binary data?)'],
        [3, 'contains the control character 0x07 at character 1 of the line (binary data?)'],
      ],
    );
    const fffd = errorsOf(parseCustodianFile('EXT871', `${good.replace('APEX', 'AP\ufffdX')}\n`, N871));
    assert.match(fffd[0]?.message ?? '', /U\+FFFD/);
  });

  it('a NUL or an unpaired surrogate inside a field: an error naming the file, the line, the field and the character', () => {
    const withNul = good.replace('VANGUARD TOTAL', 'VANGUARD\u0000TOTAL');
    const res = parseCustodianFile('EXT871', `${good}\n${withNul}\n`, N871);
    assert.equal(res.ok, false);
    const errors = errorsOf(res);
    assert.equal(errors.length, 1);
    const at = withNul.indexOf('\u0000') + 1;
    assert.deepEqual(errors[0], {
      file: N871,
      line: 2,
      field: 'Description',
      message: `contains U+0000 (NUL) at character ${at} of the line, which PostgreSQL cannot store (binary data?)`,
    });
    assert.equal(
      formatFileError(errors[0]!),
      `${N871} line 2, field Description: contains U+0000 (NUL) at character ${at} of the line, which PostgreSQL cannot store (binary data?)`,
    );
    // Content handed over as a string can hold a lone surrogate (bytes cannot: strict UTF-8).
    const lone = errorsOf(parseCustodianFile('EXT871', `${good.replace('TOTAL', 'TO\ud800TAL')}\n`, N871));
    assert.equal(lone.length, 1);
    assert.equal(lone[0]?.field, 'Description');
    assert.match(lone[0]?.message ?? '', /unpaired UTF-16 surrogate \(U\+D800\)/);
  });

  it('an empty file is zero rows for header-less kinds and an error for kinds with a header', () => {
    for (const code of ['EXT871', 'EXT869', 'EXT747', 'EXT872', 'EXT235'] as const) {
      const res = parseCustodianFile(code, '', fileName(code, PD));
      assert.deepEqual(okRows(res), []);
      assert.match(res.ok ? (res.warnings[0]?.message ?? '') : '', /empty: zero rows \(valid/);
    }
    assert.deepEqual(okRows(parseCustodianFile('EXT871', Buffer.alloc(0), N871)), []);
    assert.deepEqual(okRows(parseCustodianFile('EXT871', '\n\n', N871)), []);
    for (const code of ['EXT981', 'EXT_TAXLOT'] as const) {
      const errors = errorsOf(parseCustodianFile(code, '', fileName(code, PD)));
      assert.equal(errors[0]?.line, 1);
      assert.match(
        errors[0]?.message ?? '',
        /the file is empty; a .* file must start with a header line \(AccountNumber,/,
      );
    }
  });

  it('a missing header line and a header missing a column', () => {
    const noHeader = errorsOf(
      parseCustodianFile('EXT981', writeEXT981([sample981], { header: false }), N981),
    );
    assert.equal(noHeader[0]?.line, 1);
    assert.match(noHeader[0]?.message ?? '', /must start with a header line/);
    const content = writeEXT981([sample981]).replace('NetBalance,', 'NetBal,');
    const missing = errorsOf(parseCustodianFile('EXT981', content, N981));
    assert.deepEqual(
      missing.map((e) => [e.line, e.field, e.message]),
      [[1, 'NetBalance', 'is missing from the header line']],
    );
  });

  it('the process date must match the file name, and the name the code', () => {
    const content = writeEXT871([sample871]);
    const errors = errorsOf(parseCustodianFile('EXT871', content, 'EXT871_ZOE_20261125.csv'));
    assert.equal(
      formatFileError(errors[0]!),
      "EXT871_ZOE_20261125.csv line 1, field ProcessDate: is 2026-11-24 but the file name's process date is 2026-11-25",
    );
    assert.ok(
      parseCustodianFile('EXT871', content, 'EXT871_ZOE_20261125.csv', { checkProcessDate: false }).ok,
    );
    assert.ok(parseCustodianFile('EXT871', content, 'positions.csv').ok);
    const wrong = errorsOf(parseCustodianFile('EXT872', content, N871));
    assert.equal(
      formatFileError(wrong[0]!),
      `${N871}: the file name says EXT871 but it is being parsed as EXT872`,
    );
  });

  it('stops collecting at 100 errors but counts them all', () => {
    const bad = good.replace('10.12345', 'x');
    const res = parseCustodianFile('EXT871', `${Array.from({ length: 250 }, () => bad).join('\n')}\n`, N871);
    assert.equal(res.ok, false);
    if (res.ok) return;
    assert.equal(res.errors.length, 100);
    assert.ok(res.errorCount >= 100);
    assert.equal(res.errors[99]?.line, 100);
  });

  it('cross-field checks: settlement before trade, corporate action factors', () => {
    const e872 = errorsOf(
      parseCustodianFile(
        'EXT872',
        writeEXT872([sample872]).replace(',20261124,781.25', ',20261120,781.25'),
        N872,
      ),
    );
    assert.deepEqual(
      e872.map((e) => [e.line, e.field, e.message]),
      [[1, 'SettlementDate', 'is before the trade date 2026-11-23']],
    );
    const e235 = errorsOf(
      parseCustodianFile(
        'EXT235',
        'AAAAAAAA1||VTI||SPLIT|0.5||||20261124\nAAAAAAAA1||VTI||CASH_MERGER|||||20261124\nAAAAAAAA1||VTI||CUSIP_CHANGE|||||20261124\nAAAAAAAA1||VTI||MERGE|||||20261124\n',
        N235,
      ),
    );
    assert.deepEqual(
      e235.map((e) => [e.line, e.field, e.message]),
      [
        [1, 'StockFactor', 'must be greater than 1 for a SPLIT (got 0.5)'],
        [2, 'CashFactor', 'must be greater than zero for a CASH_MERGER'],
        [3, 'CusipOld', 'must be given and differ from Cusip for a CUSIP_CHANGE'],
        [
          4,
          'Action',
          'must be one of SPLIT, REVERSE_SPLIT, CASH_MERGER, STOCK_MERGER, SYMBOL_CHANGE, CUSIP_CHANGE (got "MERGE")',
        ],
      ],
    );
  });

  it('decimal places: quantities 5, money 2, prices 6', () => {
    const e = errorsOf(
      parseCustodianFile(
        'EXT872',
        writeEXT872([sample872])
          .replace('3.12345', '3.123456')
          .replace('781.25,-781.25', '781.255,-781.25')
          .replace('250.12', '250.1234567'),
        N872,
      ),
    );
    assert.deepEqual(
      e.map((x) => [x.field, x.message]),
      [
        ['Quantity', 'must have at most 5 decimal places (got "3.123456")'],
        ['Price', 'must have at most 6 decimal places (got "250.1234567")'],
        ['PrincipalAmount', 'must have at most 2 decimal places (got "781.255")'],
      ],
    );
  });

  it('parseCustodianFileByName finds the kind from the name', () => {
    const content = writeEXT747([sample747]);
    const res = parseCustodianFileByName(content, N747);
    assert.ok(res.ok);
    assert.equal(res.code, 'EXT747');
    const bad = parseCustodianFileByName(content, 'notes.txt');
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : (bad.errors[0]?.message ?? ''), /not a custodian file name/);
  });
});

describe('row schemas and layouts', () => {
  it('every row key has one column, except derived keys; column names are unique', () => {
    for (const code of FILE_CODES) {
      const layout = LAYOUTS[code];
      const keys = Object.keys(layout.codecs);
      const colKeys = layout.columns.map((c) => c.key as string);
      const derived = code === 'EXT869' ? ['amountIn'] : [];
      assert.deepEqual([...colKeys].sort(), keys.filter((k) => !derived.includes(k)).sort(), code);
      assert.equal(
        new Set(layout.columns.map((c) => c.name.toLowerCase())).size,
        layout.columns.length,
        code,
      );
      assert.deepEqual(Object.keys(SAMPLES[code]).sort(), [...keys].sort(), code);
    }
  });

  it('the exported zod schemas accept good rows and say what is wrong with bad ones', () => {
    assert.ok(ext871RowSchema.safeParse(sample871).success);
    const bad = ext871RowSchema.safeParse({ ...sample871, tradeQuantity: 10, cusip: 'short' });
    assert.equal(bad.success, false);
    if (!bad.success) {
      assert.deepEqual(
        bad.error.issues.map((i) => [i.path.join('.'), i.message]),
        [
          ['cusip', 'must be a 9-character CUSIP (letters and digits)'],
          ['tradeQuantity', 'must be a string'],
        ],
      );
    }
    const flipped = ext869RowSchema.safeParse({ ...sample869, amountIn: '-500.00' });
    assert.equal(flipped.success, false);
    assert.ok(ext869RowSchema.safeParse(sample869).success);
  });

  it('file kinds: delimiters, extensions and headers', () => {
    const kinds = Object.fromEntries(
      (Object.keys(FILE_KINDS) as FileCode[]).map((c) => [
        c,
        `${FILE_KINDS[c].extension}${FILE_KINDS[c].delimiter}${FILE_KINDS[c].header}`,
      ]),
    );
    assert.deepEqual(kinds, {
      EXT871: 'csv,optional',
      EXT869: 'csv,optional',
      EXT981: 'csv,required',
      EXT747: 'txt|optional',
      EXT872: 'csv,optional',
      EXT_TAXLOT: 'csv,required',
      EXT235: 'txt|optional',
    });
  });

  it('writers for every kind are exported', () => {
    const writers = [
      writeEXT871,
      writeEXT869,
      writeEXT981,
      writeEXT747,
      writeEXT872,
      writeEXT_TAXLOT,
      writeEXT235,
    ];
    assert.ok(writers.every((w) => typeof w === 'function'));
    assert.equal(writeEXT235([sample235]), '922908769||VTI||SPLIT|2||20261120|20261123|20261124\n');
  });
});
