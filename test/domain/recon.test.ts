/**
 * Reconciliation (docs/domain.md §5): each break category with hand-computed numbers, the
 * tolerances at their edges, materiality and escalation, what each break holds, and age buckets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dec } from '../../src/domain/money';
import {
  type BookLot,
  type CorporateActionRow,
  type CustodianLot,
  type FoundBreak,
  type ReconInput,
  ageBucket,
  ageInTradingDays,
  explainingItems,
  reconcile,
} from '../../src/domain/recon';

const D = '2026-12-01';
const SECURITIES = [
  { symbol: 'VTI', cusip: '922908769', cusipOld: null },
  { symbol: 'BND', cusip: '921937835', cusipOld: null },
  { symbol: 'VXUS', cusip: '921909768', cusipOld: '921909AA1' },
];

/** A clean account: 100 BND @ 72.40, 50 VTI @ 300.00, $1,000.00 cash, one lot each. */
function input(over: Partial<ReconInput> = {}): ReconInput {
  return {
    asOf: D,
    book: {
      positions: [
        { symbol: 'BND', qty: '100.00000' },
        { symbol: 'VTI', qty: '50.00000' },
      ],
      cash: '1000.00',
      lots: [lot('LOT-BND-1', 'BND', '100', '70.000000'), lot('LOT-VTI-1', 'VTI', '50', '250.123456')],
    },
    custodian: {
      positions: [
        pos('BND', '921937835', '100.00000', '72.400000'),
        pos('VTI', '922908769', '50.00000', '300.000000'),
      ],
      cash: '1000.00',
      lots: [
        theirLot('LOT-BND-1', 'BND', '921937835', '100.00000', '7000.00'),
        // 50 × 250.123456 = 12506.1728 → 12506.17
        theirLot('LOT-VTI-1', 'VTI', '922908769', '50.00000', '12506.17'),
      ],
    },
    securities: SECURITIES,
    ...over,
  };
}

function pos(symbol: string, cusip: string, tradeQty: string, closingPrice: string) {
  return { symbol, cusip, tradeQty, settleQty: tradeQty, closingPrice };
}
function lot(lotId: string, symbol: string, qty: string, unitCost: string, openDate = '2026-03-02'): BookLot {
  return { lotId, symbol, qty, unitCost, openDate };
}
function theirLot(
  lotId: string,
  symbol: string,
  cusip: string,
  qty: string,
  totalCost: string,
  extra: Partial<CustodianLot> = {},
): CustodianLot {
  return { lotId, symbol, cusip, openTradeDate: '2026-03-02', qty, totalCost, ...extra };
}
function custodian(over: Partial<ReconInput['custodian']>): ReconInput['custodian'] {
  return { ...input().custodian, ...over };
}
function only(breaks: FoundBreak[]): FoundBreak {
  assert.equal(breaks.length, 1, JSON.stringify(breaks, null, 2));
  return breaks[0]!;
}
function split(symbol: string, cusip: string, factor: string): CorporateActionRow {
  return {
    action: dec(factor).gt(1) ? 'SPLIT' : 'REVERSE_SPLIT',
    cusip,
    cusipOld: null,
    symbol,
    symbolOld: null,
    stockFactor: factor,
    cashFactor: null,
    processDate: D,
  };
}

describe('reconcile: clean and tolerances', () => {
  test('a clean account has no breaks; everything was checked', () => {
    const r = reconcile(input());
    assert.deepEqual(r.breaks, []);
    assert.deepEqual(r.checked, { positions: 2, cash: true, lots: 2 });
  });

  test('no balance file and no lot file: cash and cost basis are not checked', () => {
    const r = reconcile(input({ custodian: custodian({ cash: null, lots: null }) }));
    assert.deepEqual(r.breaks, []);
    assert.deepEqual(r.checked, { positions: 2, cash: false, lots: null });
  });

  test('positions are exact at 5 dp: 0.00001 share is a break', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [
              pos('BND', '921937835', '100.00001', '72.400000'),
              pos('VTI', '922908769', '50.00000', '300.000000'),
            ],
          }),
        }),
      ).breaks,
    );
    assert.equal(b.type, 'POSITION');
    assert.equal(b.category, 'TRADE');
    assert.equal(b.diff, '0.00001');
    assert.equal(b.materialityUsd, '0.00'); // 0.00001 × 72.40 = 0.000724
  });

  test('cash is ±$0.01: 1000.01 is fine, 1000.02 is a break', () => {
    assert.deepEqual(reconcile(input({ custodian: custodian({ cash: '1000.01' }) })).breaks, []);
    assert.deepEqual(reconcile(input({ custodian: custodian({ cash: '999.99' }) })).breaks, []);
    const b = only(reconcile(input({ custodian: custodian({ cash: '1000.02' }) })).breaks);
    assert.equal(b.category, 'CASH');
    assert.equal(b.diff, '0.02');
  });

  test('cost basis is ±$0.01 per lot: 12506.18 is fine, 12506.19 is a break', () => {
    const withVtiCost = (cost: string) =>
      input({
        custodian: custodian({
          lots: [
            theirLot('LOT-BND-1', 'BND', '921937835', '100.00000', '7000.00'),
            theirLot('LOT-VTI-1', 'VTI', '922908769', '50.00000', cost),
          ],
        }),
      });
    assert.deepEqual(reconcile(withVtiCost('12506.18')).breaks, []);
    const b = only(reconcile(withVtiCost('12506.19')).breaks);
    assert.equal(b.type, 'COST_BASIS');
    assert.equal(b.diff, '0.02');
  });
});

describe('reconcile: categories', () => {
  test('TRADE: 1.5 BND more at the custodian, nothing explains it → holds the account', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [
              pos('BND', '921937835', '101.50000', '72.400000'),
              pos('VTI', '922908769', '50.00000', '300.000000'),
            ],
          }),
        }),
      ).breaks,
    );
    assert.deepEqual(
      { ...b, cause: undefined },
      {
        type: 'POSITION',
        category: 'TRADE',
        key: 'BND',
        symbol: 'BND',
        ours: '100.00000',
        theirs: '101.50000',
        diff: '1.50000',
        materialityUsd: '108.60', // 1.5 × 72.40
        escalate: false,
        cause: undefined,
        autoResolve: false,
        hold: 'ACCOUNT',
      },
    );
    assert.match(b.cause, /custodian holds 1\.50000 more; no pending item/);
  });

  test('TIMING: the difference equals our unreported buys (4 + 6 of 3 pending) → auto-resolved, no hold', () => {
    const r = reconcile(
      input({
        book: {
          ...input().book,
          positions: [
            { symbol: 'BND', qty: '100' },
            { symbol: 'VTI', qty: '60' },
          ],
        },
        pending: {
          positions: [
            { symbol: 'VTI', qty: '-4', ref: 'O-1', what: 'BUY 4 VTI' },
            { symbol: 'VTI', qty: '-3', ref: 'O-2', what: 'BUY 3 VTI' },
            { symbol: 'VTI', qty: '-6', ref: 'O-3', what: 'BUY 6 VTI' },
          ],
        },
      }),
    );
    const b = only(r.breaks);
    assert.equal(b.category, 'TIMING');
    assert.equal(b.diff, '-10.00000');
    assert.equal(b.materialityUsd, '3000.00'); // 10 × 300.00
    assert.equal(b.autoResolve, true);
    assert.equal(b.hold, 'NONE');
    assert.match(b.cause, /BUY 4 VTI \(O-1\), BUY 6 VTI \(O-3\)/);
  });

  test('TIMING: pending items that do not add up to the difference explain nothing', () => {
    const b = only(
      reconcile(
        input({
          book: {
            ...input().book,
            positions: [
              { symbol: 'BND', qty: '100' },
              { symbol: 'VTI', qty: '60' },
            ],
          },
          pending: { positions: [{ symbol: 'VTI', qty: '-4', ref: 'O-1', what: 'BUY 4 VTI' }] },
        }),
      ).breaks,
    );
    assert.equal(b.category, 'TRADE');
  });

  test('CORPORATE_ACTION: a 2-for-1 split of VTI the book has not applied → holds VTI only', () => {
    const r = reconcile(
      input({
        book: {
          ...input().book,
          positions: [
            { symbol: 'BND', qty: '100' },
            { symbol: 'VTI', qty: '33.33333' },
          ],
        },
        custodian: custodian({
          positions: [
            pos('BND', '921937835', '100.00000', '72.400000'),
            pos('VTI', '922908769', '66.66666', '150.000000'),
          ],
          lots: null,
        }),
        corporateActions: [split('VTI', '922908769', '2')],
      }),
    );
    const b = only(r.breaks);
    assert.equal(b.category, 'CORPORATE_ACTION');
    assert.equal(b.diff, '33.33333');
    assert.equal(b.materialityUsd, '5000.00'); // 33.33333 × 150 = 4999.9995 → 5000.00
    assert.equal(b.hold, 'SECURITY');
    assert.equal(b.autoResolve, false);
    assert.match(b.cause, /SPLIT 2-for-1/);
  });

  test('CORPORATE_ACTION: a 1-for-10 reverse split with cash in lieu of the fraction (105 → 10)', () => {
    const b = only(
      reconcile(
        input({
          book: {
            ...input().book,
            positions: [
              { symbol: 'BND', qty: '105' },
              { symbol: 'VTI', qty: '50' },
            ],
          },
          custodian: custodian({
            positions: [
              pos('BND', '921937835', '10.00000', '724.000000'),
              pos('VTI', '922908769', '50.00000', '300.000000'),
            ],
            lots: null,
          }),
          corporateActions: [split('BND', '921937835', '0.1')],
        }),
      ).breaks,
    );
    assert.equal(b.category, 'CORPORATE_ACTION');
    assert.equal(b.diff, '-95.00000');
    assert.equal(b.materialityUsd, '68780.00'); // 95 × 724.00
    assert.equal(b.escalate, true);
    assert.equal(b.hold, 'SECURITY', 'escalated (flagged), still a hold of BND only');
    assert.match(b.cause, /REVERSE_SPLIT 1-for-10/);
  });

  test('CORPORATE_ACTION: a symbol change BND → BNDW (same CUSIP) → holds BND', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [
              pos('BNDW', '921937835', '100.00000', '72.400000'),
              pos('VTI', '922908769', '50.00000', '300.000000'),
            ],
            lots: null,
          }),
          corporateActions: [
            {
              action: 'SYMBOL_CHANGE',
              cusip: '921937835',
              cusipOld: null,
              symbol: 'BNDW',
              symbolOld: 'BND',
              stockFactor: null,
              cashFactor: null,
              processDate: D,
            },
          ],
        }),
      ).breaks,
    );
    assert.equal(b.category, 'CORPORATE_ACTION');
    assert.equal(b.symbol, 'BND');
    assert.equal(b.diff, '0.00000');
    assert.equal(b.hold, 'SECURITY');
    assert.match(b.cause, /symbol change BND → BNDW/);
  });

  test('CORPORATE_ACTION: a CUSIP change of VTI the book has not applied', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [
              pos('BND', '921937835', '100.00000', '72.400000'),
              pos('VTI', '92290NEW1', '50.00000', '300.000000'),
            ],
            lots: null,
          }),
          corporateActions: [
            {
              action: 'CUSIP_CHANGE',
              cusip: '92290NEW1',
              cusipOld: '922908769',
              symbol: 'VTI',
              symbolOld: null,
              stockFactor: null,
              cashFactor: null,
              processDate: '2026-11-27',
            },
          ],
        }),
      ).breaks,
    );
    assert.equal(b.category, 'CORPORATE_ACTION');
    assert.equal(b.symbol, 'VTI');
    assert.match(b.cause, /CUSIP change 922908769 → 92290NEW1/);
  });

  test('CORPORATE_ACTION: a cash merger: shares gone and $25.50 × 100 = $2,550.00 cash at the custodian', () => {
    const r = reconcile(
      input({
        custodian: custodian({
          positions: [pos('VTI', '922908769', '50.00000', '300.000000')],
          cash: '3550.00',
          lots: null,
        }),
        prices: { BND: '72.40' },
        corporateActions: [
          {
            action: 'CASH_MERGER',
            cusip: '921937835',
            cusipOld: null,
            symbol: 'BND',
            symbolOld: null,
            stockFactor: null,
            cashFactor: '25.50',
            processDate: D,
          },
        ],
      }),
    );
    assert.equal(r.breaks.length, 2);
    const [position, cash] = r.breaks;
    assert.equal(position!.category, 'CORPORATE_ACTION');
    assert.equal(position!.diff, '-100.00000');
    assert.equal(position!.materialityUsd, '7240.00'); // 100 × 72.40 (the book's last close)
    assert.equal(cash!.type, 'CASH');
    assert.equal(cash!.category, 'CORPORATE_ACTION');
    assert.equal(cash!.diff, '2550.00');
  });

  test('SECURITY_MASTER: an old CUSIP (ours or EXT747) and lower-case ids → normalised, auto-resolved', () => {
    const r = reconcile(
      input({
        book: {
          ...input().book,
          positions: [
            { symbol: 'BND', qty: '100' },
            { symbol: 'VTI', qty: '50' },
            { symbol: 'VXUS', qty: '20' },
          ],
        },
        custodian: custodian({
          positions: [
            pos('bnd', '921937835', '100.00000', '72.400000'),
            pos('VTI', '92290OLD9', '50.00000', '300.000000'),
            pos('VXUS', '921909AA1', '20.00000', '60.000000'),
          ],
          lots: null,
        }),
        securityMaster: [{ cusip: '922908769', symbol: 'VTI', oldCusip: '92290OLD9' }],
      }),
    );
    assert.equal(r.breaks.length, 3);
    for (const b of r.breaks) {
      assert.equal(b.category, 'SECURITY_MASTER');
      assert.equal(b.autoResolve, true);
      assert.equal(b.hold, 'NONE');
      assert.equal(b.diff, '0.00000');
    }
    const bySymbol = Object.fromEntries(r.breaks.map((b) => [b.symbol, b.cause]));
    assert.match(bySymbol.BND!, /lower-case ids bnd\/921937835 normalised/);
    assert.match(bySymbol.VTI!, /old CUSIP 92290OLD9 mapped to 922908769/);
    assert.match(bySymbol.VXUS!, /old CUSIP 921909AA1 mapped to 921909768/);
  });

  test('an old CUSIP with a quantity difference is still a TRADE break (the mapping is noted)', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [
              pos('BND', '921937835', '100.00000', '72.400000'),
              pos('VTI', '92290OLD9', '49.00000', '300.000000'),
            ],
            lots: null,
          }),
          securityMaster: [{ cusip: '922908769', symbol: 'VTI', oldCusip: '92290OLD9' }],
        }),
      ).breaks,
    );
    assert.equal(b.category, 'TRADE');
    assert.equal(b.materialityUsd, '300.00');
    assert.match(b.cause, /old CUSIP 92290OLD9/);
  });

  test('CASH: $50.00 less at the custodian, nothing pending → holds the account', () => {
    const b = only(reconcile(input({ custodian: custodian({ cash: '950.00' }) })).breaks);
    assert.deepEqual(
      [b.type, b.category, b.key, b.symbol, b.ours, b.theirs, b.diff, b.materialityUsd, b.hold],
      ['CASH', 'CASH', 'USD', null, '1000.00', '950.00', '-50.00', '50.00', 'ACCOUNT'],
    );
  });

  test('TIMING cash: a $500.00 deposit (EXT869) the book has not posted, within a cent', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({ cash: '1500.01' }),
          pending: {
            cash: [
              { amount: '-120.00', ref: 'CF-1', what: 'pending withdrawal' },
              { amount: '500.00', ref: 'ACH-9', what: 'ACH deposit' },
            ],
          },
        }),
      ).breaks,
    );
    assert.equal(b.category, 'TIMING');
    assert.equal(b.diff, '500.01');
    assert.equal(b.autoResolve, true);
    assert.match(b.cause, /ACH deposit 500\.00 \(ACH-9\)/);
  });

  test('CASH with a sign-convention hint: the custodian is $500.00 lower where a $500.00 deposit is pending', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({ cash: '500.00' }),
          pending: { cash: [{ amount: '500.00', ref: 'ACH-9', what: 'ACH deposit' }] },
        }),
      ).breaks,
    );
    assert.equal(b.category, 'CASH');
    assert.match(b.cause, /sign flipped/);
  });

  test('COST_BASIS: a lot $5.00 dearer at the custodian → holds VTI only', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            lots: [
              theirLot('LOT-BND-1', 'BND', '921937835', '100.00000', '7000.00'),
              theirLot('LOT-VTI-1', 'VTI', '922908769', '50.00000', '12511.17'),
            ],
          }),
        }),
      ).breaks,
    );
    assert.deepEqual(
      [b.type, b.category, b.key, b.symbol, b.ours, b.theirs, b.diff, b.materialityUsd, b.hold],
      [
        'COST_BASIS',
        'COST_BASIS',
        'LOT-VTI-1',
        'VTI',
        '50.00000 / 12506.17',
        '50.00000 / 12511.17',
        '5.00',
        '5.00',
        'SECURITY',
      ],
    );
  });

  test('COST_BASIS: the difference is the custodian wash-sale adjustment', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            lots: [
              theirLot('LOT-BND-1', 'BND', '921937835', '100.00000', '7000.00'),
              theirLot('LOT-VTI-1', 'VTI', '922908769', '50.00000', '12506.17', {
                adjustedCost: '12631.17',
                washSaleAdj: '125.00',
              }),
            ],
          }),
          book: {
            ...input().book,
            lots: [input().book.lots[0]!, lot('LOT-VTI-1', 'VTI', '50', '252.623400')],
          },
        }),
      ).breaks,
    );
    // Book 50 × 252.6234 = 12631.17: the custodian's adjusted cost, not its total cost.
    assert.equal(b.diff, '-125.00');
    assert.match(b.cause, /wash-sale adjustment of 125\.00/);
  });

  test('lots matched by date and quantity when ids differ; a missing lot and an unknown lot', () => {
    const r = reconcile(
      input({
        book: {
          ...input().book,
          lots: [
            lot('LOT-BND-1', 'BND', '100', '70.000000'),
            lot('LOT-VTI-1', 'VTI', '30', '250.000000'),
            lot('LOT-VTI-2', 'VTI', '20', '260.000000', '2026-04-01'),
          ],
        },
        custodian: custodian({
          lots: [
            theirLot('A-1', 'BND', '921937835', '100.00000', '7000.00'),
            theirLot('A-2', 'VTI', '922908769', '30.00000', '7500.00'),
            theirLot('A-9', 'VTI', '922908769', '20.00000', '5200.00', { openTradeDate: '2026-04-02' }),
          ],
        }),
      }),
    );
    assert.deepEqual(
      r.breaks.map((b) => [b.category, b.key, b.ours, b.theirs, b.diff]),
      [
        ['COST_BASIS', 'LOT-VTI-2', '20.00000 / 5200.00', 'none', '-5200.00'],
        ['COST_BASIS', 'A-9', 'none', '20.00000 / 5200.00', '5200.00'],
      ],
    );
  });

  test('lots split per execution at the custodian match our one lot per order by their totals', () => {
    const r = reconcile(
      input({
        book: {
          ...input().book,
          lots: [...input().book.lots, lot('L-ORD-1', 'VTI', '10', '300.050000', '2026-11-30')],
        },
        custodian: custodian({
          lots: [
            ...input().custodian.lots!,
            // 4 @ 300.00 + 6 @ 300.0833 = 1200.00 + 1800.50 = 3000.50 = 10 × 300.05
            theirLot('EX-1', 'VTI', '922908769', '4.00000', '1200.00', { openTradeDate: '2026-11-30' }),
            theirLot('EX-2', 'VTI', '922908769', '6.00000', '1800.50', { openTradeDate: '2026-11-30' }),
          ],
        }),
      }),
    );
    assert.deepEqual(r.breaks, []);
    assert.equal(r.checked.lots, 3);
  });

  test('a lot file without a row for the account does not cover it: cost basis is not checked', () => {
    const r = reconcile(input({ custodian: custodian({ lots: [] }) }));
    assert.deepEqual(r.breaks, []);
    assert.equal(r.checked.lots, null);
    const strict = reconcile(
      input({ custodian: custodian({ lots: [] }), policy: { skipLotsOfUncoveredAccount: false } }),
    );
    assert.deepEqual(
      strict.breaks.map((b) => [b.category, b.key]),
      [
        ['COST_BASIS', 'LOT-BND-1'],
        ['COST_BASIS', 'LOT-VTI-1'],
      ],
    );
  });

  test('TIMING lot: a lot opened by a fill the custodian has not reported yet', () => {
    const b = only(
      reconcile(
        input({
          book: { ...input().book, lots: [...input().book.lots, lot('L-X1', 'VTI', '2', '301.000000', D)] },
          pending: { lots: [{ lotId: 'L-X1', ref: 'X1', what: 'BUY 2 VTI' }] },
        }),
      ).breaks,
    );
    assert.equal(b.category, 'TIMING');
    assert.equal(b.diff, '-602.00');
    assert.equal(b.autoResolve, true);
  });

  test('CORPORATE_ACTION lot: after a 2-for-1 split the custodian lot has twice the shares for the same cost', () => {
    const r = reconcile(
      input({
        custodian: custodian({
          positions: [
            pos('BND', '921937835', '100.00000', '72.400000'),
            pos('VTI', '922908769', '100.00000', '150.000000'),
          ],
          lots: [
            theirLot('LOT-BND-1', 'BND', '921937835', '100.00000', '7000.00'),
            theirLot('LOT-VTI-1', 'VTI', '922908769', '100.00000', '12506.17'),
          ],
        }),
        corporateActions: [split('VTI', '922908769', '2')],
      }),
    );
    assert.deepEqual(
      r.breaks.map((b) => [b.type, b.category, b.hold]),
      [
        ['POSITION', 'CORPORATE_ACTION', 'SECURITY'],
        ['COST_BASIS', 'CORPORATE_ACTION', 'SECURITY'],
      ],
    );
  });
});

describe('reconcile: materiality, escalation, policy and age', () => {
  test('escalation is strictly above $25,000: 83.33333 VTI @ 300 = 24,999.999 is not, 100 is', () => {
    const at = (theirs: string) =>
      only(
        reconcile(
          input({
            custodian: custodian({
              positions: [
                pos('BND', '921937835', '100.00000', '72.400000'),
                pos('VTI', '922908769', theirs, '300.000000'),
              ],
              lots: null,
            }),
          }),
        ).breaks,
      );
    const small = at('133.33333'); // +83.33333 × 300 = 24999.999 → 25000.00, not above
    assert.equal(small.materialityUsd, '25000.00');
    assert.equal(small.escalate, false);
    const big = at('150.00000'); // +100 × 300 = 30000.00
    assert.equal(big.materialityUsd, '30000.00');
    assert.equal(big.escalate, true);
    assert.equal(big.hold, 'ACCOUNT');
  });

  test('policy: escalated breaks may hold the whole account', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            lots: [
              theirLot('LOT-BND-1', 'BND', '921937835', '100.00000', '7000.00'),
              theirLot('LOT-VTI-1', 'VTI', '922908769', '50.00000', '40000.00'),
            ],
          }),
          policy: { escalatedHoldsAccount: true },
        }),
      ).breaks,
    );
    assert.equal(b.category, 'COST_BASIS');
    assert.equal(b.materialityUsd, '27493.83'); // 40000.00 − 12506.17
    assert.equal(b.escalate, true);
    assert.equal(b.hold, 'ACCOUNT');
  });

  test('materiality of a break the custodian has no price for comes from our prices', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [pos('BND', '921937835', '100.00000', '72.400000')],
            lots: null,
          }),
          prices: { VTI: '301.25' },
        }),
      ).breaks,
    );
    assert.equal(b.diff, '-50.00000');
    assert.equal(b.materialityUsd, '15062.50'); // 50 × 301.25
  });

  test('policy: an unexplained quantity difference may hold just the security', () => {
    const b = only(
      reconcile(
        input({
          custodian: custodian({
            positions: [
              pos('BND', '921937835', '101.50000', '72.400000'),
              pos('VTI', '922908769', '50.00000', '300.000000'),
            ],
          }),
          policy: {
            holds: {
              TIMING: 'NONE',
              SECURITY_MASTER: 'NONE',
              CORPORATE_ACTION: 'SECURITY',
              COST_BASIS: 'SECURITY',
              TRADE: 'SECURITY',
              CASH: 'ACCOUNT',
              SETTLEMENT: 'NONE',
            },
          },
        }),
      ).breaks,
    );
    assert.equal(b.hold, 'SECURITY');
  });

  test('age in trading days and its bucket (Thanksgiving 2026-11-26 is not a trading day)', () => {
    assert.equal(ageInTradingDays('2026-11-23', '2026-11-23'), 0);
    assert.equal(ageInTradingDays('2026-11-23', '2026-11-24'), 1);
    assert.equal(ageInTradingDays('2026-11-25', '2026-11-27'), 1);
    assert.equal(ageInTradingDays('2026-11-20', '2026-11-30'), 5);
    assert.equal(ageInTradingDays('2026-11-16', '2026-11-30'), 9);
    assert.deepEqual([0, 1, 2, 5, 6, 9].map(ageBucket), ['0', '1', '2-5', '2-5', '>5', '>5']);
  });

  test('explainingItems picks the fewest items that add up', () => {
    const items = ['1', '2', '3', '4', '5'].map((s) => dec(s));
    const found = explainingItems(items, (d) => d, dec('5'), dec('0'), 12);
    assert.deepEqual(
      found?.map((d) => d.toString()),
      ['5'],
    );
    assert.equal(
      explainingItems(items, (d) => d, dec('16'), dec('0'), 12),
      undefined,
    );
  });
});
