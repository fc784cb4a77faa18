/**
 * Confirm matching (docs/domain.md §9): every outcome with exact numbers, the tolerance edges, and
 * fast-check properties for the aggregation of partial executions and input-order independence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nextSettlementDay } from '../../src/domain/calendar';
import {
  type ConfirmMatch,
  type CustodianTrade,
  type MatchConfirmsInput,
  type OurFill,
  matchConfirms,
} from '../../src/domain/confirms';
import { Dec, cashStr, dec } from '../../src/domain/money';

const T = '2026-03-10'; // a Tuesday
const SETTLE = nextSettlementDay(T); // 2026-03-11
const ACCT = '3ET00001';
const CLID = '20260310-P1-L1-A1';

function our(p: Partial<OurFill> = {}): OurFill {
  return {
    clientOrderId: CLID,
    custodianOrderId: 'ORD-1',
    accountNumber: ACCT,
    symbol: 'SPY',
    side: 'BUY',
    qty: '10',
    avgPrice: '500.25',
    ...p,
  };
}

function row(p: Partial<CustodianTrade> = {}): CustodianTrade {
  return {
    orderId: 'ORD-1',
    clientOrderId: CLID,
    accountNumber: ACCT,
    symbol: 'SPY',
    buySellCode: 'B',
    quantity: '10',
    price: '500.25',
    principalAmount: '5002.50',
    settlementDate: SETTLE,
    tradeDate: T,
    ...p,
  };
}

function match(ours: OurFill[], theirs: CustodianTrade[], extra: Partial<MatchConfirmsInput> = {}) {
  return matchConfirms({ tradeDate: T, ours, theirs, expectedSettlementDate: SETTLE, ...extra });
}

/** The single result of a one-pair match. */
function only(
  ours: OurFill[],
  theirs: CustodianTrade[],
  extra: Partial<MatchConfirmsInput> = {},
): ConfirmMatch {
  const { results } = match(ours, theirs, extra);
  assert.equal(results.length, 1, JSON.stringify(results));
  return results[0]!;
}

const outcome = (r: ConfirmMatch) => ({ result: r.result, diffs: r.diffs, toleratedDiffs: r.toleratedDiffs });

describe('matchConfirms: MATCHED', () => {
  test('one execution, every field equal', () => {
    const ours = our();
    assert.deepEqual(match([ours], [row()]), {
      results: [
        {
          result: 'MATCHED',
          accountNumber: ACCT,
          symbol: 'SPY',
          side: 'BUY',
          clientOrderId: CLID,
          custodianOrderId: 'ORD-1',
          ours,
          theirs: {
            orderId: 'ORD-1',
            clientOrderId: CLID,
            rows: 1,
            canceledRows: 0,
            qty: '10.00000',
            avgPrice: '500.250000',
            principalAmount: '5002.50',
            settlementDates: ['2026-03-11'],
          },
          diffs: [],
          toleratedDiffs: [],
        },
      ],
      summary: {
        matched: 1,
        matchedWithinTolerance: 0,
        mismatched: 0,
        unmatchedOurs: 0,
        unmatchedTheirs: 0,
        canceledAtCustodian: 0,
      },
    });
  });

  test('partial executions are summed and volume-weighted: 6 @ 500.20 + 4 @ 500.30 = 10 @ 500.24', () => {
    const r = only(
      [our({ avgPrice: '500.24' })],
      [
        row({ quantity: '6', price: '500.20', principalAmount: '3001.20' }),
        row({ quantity: '4', price: '500.30', principalAmount: '2001.20' }),
      ],
    );
    assert.equal(r.result, 'MATCHED');
    assert.deepEqual(r.theirs, {
      orderId: 'ORD-1',
      clientOrderId: CLID,
      rows: 2,
      canceledRows: 0,
      qty: '10.00000',
      avgPrice: '500.240000',
      principalAmount: '5002.40',
      settlementDates: ['2026-03-11'],
    });
  });

  test('a volume-weighted price that does not terminate matches our 6 dp average exactly', () => {
    // (1 × 10.00 + 2 × 10.01) / 3 = 10.006666…
    const theirs = [
      row({ quantity: '1', price: '10.00', principalAmount: '10.00' }),
      row({ quantity: '2', price: '10.01', principalAmount: '20.02' }),
    ];
    assert.equal(only([our({ qty: '3', avgPrice: '10.006667' })], theirs).result, 'MATCHED');
    // Apex's 2 dp average, 10.01, is 0.00333… away: within tolerance
    assert.deepEqual(outcome(only([our({ qty: '3', avgPrice: '10.01' })], theirs)), {
      result: 'MATCHED_WITHIN_TOLERANCE',
      diffs: [],
      toleratedDiffs: [{ field: 'price', ours: '10.01', theirs: '10.006667' }],
    });
    // 10.00 is 0.00666… away: out of tolerance
    assert.deepEqual(outcome(only([our({ qty: '3', avgPrice: '10.00' })], theirs)), {
      result: 'MISMATCHED',
      diffs: [{ field: 'price', ours: '10.00', theirs: '10.006667' }],
      toleratedDiffs: [],
    });
  });

  test('quantity representation does not matter (10 vs 10.00000); symbols are compared upper-cased', () => {
    const r = only([our({ qty: '10' })], [row({ quantity: '10.00000', symbol: 'spy' })]);
    assert.equal(r.result, 'MATCHED');
    assert.equal(r.symbol, 'SPY');
  });

  test('pairs by clientOrderId when we have no custodian order id', () => {
    const r = only([our({ custodianOrderId: null })], [row({ orderId: 'APX-77' })]);
    assert.equal(r.result, 'MATCHED');
    assert.equal(r.custodianOrderId, 'APX-77');
    assert.equal(r.clientOrderId, CLID);
  });

  test('pairs by custodian orderId when the custodian row has no clientOrderId', () => {
    const r = only([our()], [row({ clientOrderId: '' })]);
    assert.equal(r.result, 'MATCHED');
    assert.equal(r.theirs?.clientOrderId, null);
  });
});

describe('matchConfirms: tolerance edges', () => {
  test('price exactly 0.005 above is within tolerance, 0.0051 is not', () => {
    assert.deepEqual(outcome(only([our()], [row({ price: '500.255', principalAmount: '5002.55' })])), {
      result: 'MATCHED_WITHIN_TOLERANCE',
      diffs: [],
      toleratedDiffs: [{ field: 'price', ours: '500.25', theirs: '500.255000' }],
    });
    // 10 × 500.2551 = 5002.551 → 5002.55 in cents: the principal agrees, the price does not
    assert.deepEqual(outcome(only([our()], [row({ price: '500.2551', principalAmount: '5002.55' })])), {
      result: 'MISMATCHED',
      diffs: [{ field: 'price', ours: '500.25', theirs: '500.255100' }],
      toleratedDiffs: [],
    });
  });

  test('price exactly 0.005 below is within tolerance, 0.0051 is not', () => {
    assert.equal(
      only([our()], [row({ price: '500.245', principalAmount: '5002.45' })]).result,
      'MATCHED_WITHIN_TOLERANCE',
    );
    assert.deepEqual(outcome(only([our()], [row({ price: '500.2449', principalAmount: '5002.45' })])).diffs, [
      { field: 'price', ours: '500.25', theirs: '500.244900' },
    ]);
  });

  test('the price edge applies to the volume-weighted price: 5 @ 500.25 + 5 @ 500.26 = 500.255', () => {
    const theirs = [
      row({ quantity: '5', price: '500.25', principalAmount: '2501.25' }),
      row({ quantity: '5', price: '500.26', principalAmount: '2501.30' }),
    ];
    assert.equal(only([our()], theirs).result, 'MATCHED_WITHIN_TOLERANCE');
    assert.equal(only([our({ avgPrice: '500.2499' })], theirs).result, 'MISMATCHED');
  });

  test('quantity is exact at 5 dp: 9.99999 against 10 is a mismatch', () => {
    // 9.99999 × 500.25 = 5002.4949975 → 5002.49
    assert.deepEqual(outcome(only([our()], [row({ quantity: '9.99999', principalAmount: '5002.49' })])), {
      result: 'MISMATCHED',
      diffs: [{ field: 'quantity', ours: '10.00000', theirs: '9.99999' }],
      toleratedDiffs: [],
    });
  });

  test('principal against our gross amount: ±0.01 is within tolerance, 0.02 is not', () => {
    const ours = [our({ grossAmount: '5002.50' })];
    assert.deepEqual(outcome(only(ours, [row({ principalAmount: '5002.51' })])), {
      result: 'MATCHED_WITHIN_TOLERANCE',
      diffs: [],
      toleratedDiffs: [{ field: 'principalAmount', ours: '5002.50', theirs: '5002.51' }],
    });
    assert.equal(only(ours, [row({ principalAmount: '5002.49' })]).result, 'MATCHED_WITHIN_TOLERANCE');
    assert.deepEqual(outcome(only(ours, [row({ principalAmount: '5002.52' })])), {
      result: 'MISMATCHED',
      diffs: [{ field: 'principalAmount', ours: '5002.50', theirs: '5002.52' }],
      toleratedDiffs: [],
    });
    assert.equal(only(ours, [row()]).result, 'MATCHED');
  });

  test('without our gross amount each row is checked against its own quantity × price', () => {
    assert.deepEqual(outcome(only([our()], [row({ principalAmount: '5002.51' })])), {
      result: 'MATCHED_WITHIN_TOLERANCE',
      diffs: [],
      toleratedDiffs: [{ field: 'principalAmount', ours: '5002.50', theirs: '5002.51' }],
    });
    assert.deepEqual(outcome(only([our()], [row({ principalAmount: '5002.60' })])), {
      result: 'MISMATCHED',
      diffs: [{ field: 'principalAmount', ours: '5002.50', theirs: '5002.60' }],
      toleratedDiffs: [],
    });
  });

  test('tolerances are configurable', () => {
    const theirs = [row({ price: '500.2551', principalAmount: '5002.55' })];
    assert.equal(
      only([our()], theirs, { tolerances: { price: '0.01', money: '0.01' } }).result,
      'MATCHED_WITHIN_TOLERANCE',
    );
    assert.equal(only([our()], theirs, { tolerances: { price: '0', money: '0' } }).result, 'MISMATCHED');
  });
});

describe('matchConfirms: MISMATCHED dates and ids', () => {
  test('settlement date must be the expected next settlement day', () => {
    assert.deepEqual(outcome(only([our()], [row({ settlementDate: '2026-03-12' })])), {
      result: 'MISMATCHED',
      diffs: [{ field: 'settlementDate', ours: '2026-03-11', theirs: '2026-03-12' }],
      toleratedDiffs: [],
    });
  });

  test('Columbus Day: a Friday trade settles on Tuesday, not on the Monday bank holiday', () => {
    const tradeDate = '2026-10-09';
    const expectedSettlementDate = nextSettlementDay(tradeDate);
    assert.equal(expectedSettlementDate, '2026-10-13');
    const run = (settlementDate: string) =>
      only([our()], [row({ tradeDate, settlementDate })], { tradeDate, expectedSettlementDate });
    assert.equal(run('2026-10-13').result, 'MATCHED');
    assert.deepEqual(run('2026-10-12').diffs, [
      { field: 'settlementDate', ours: '2026-10-13', theirs: '2026-10-12' },
    ]);
  });

  test('a row booked on another trade date is a mismatch, not a new trade', () => {
    assert.deepEqual(outcome(only([our()], [row({ tradeDate: '2026-03-09' })])).diffs, [
      { field: 'tradeDate', ours: '2026-03-10', theirs: '2026-03-09' },
    ]);
  });

  test('paired by clientOrderId under a different custodian order id: orderId mismatch', () => {
    assert.deepEqual(outcome(only([our()], [row({ orderId: 'ORD-X' })])), {
      result: 'MISMATCHED',
      diffs: [{ field: 'orderId', ours: 'ORD-1', theirs: 'ORD-X' }],
      toleratedDiffs: [],
    });
  });

  test('every out-of-tolerance field is listed, tolerated ones too', () => {
    const r = only(
      [our({ grossAmount: '5002.50' })],
      [row({ quantity: '9', price: '500.254', principalAmount: '4502.29', settlementDate: '2026-03-13' })],
    );
    assert.deepEqual(outcome(r), {
      result: 'MISMATCHED',
      diffs: [
        { field: 'quantity', ours: '10.00000', theirs: '9.00000' },
        { field: 'principalAmount', ours: '5002.50', theirs: '4502.29' },
        { field: 'settlementDate', ours: '2026-03-11', theirs: '2026-03-13' },
      ],
      toleratedDiffs: [{ field: 'price', ours: '500.25', theirs: '500.254000' }],
    });
  });
});

describe('matchConfirms: UNMATCHED', () => {
  test('UNMATCHED_OURS: a fill of ours the custodian does not show', () => {
    const ours = our();
    assert.deepEqual(match([ours], []).results, [
      {
        result: 'UNMATCHED_OURS',
        accountNumber: ACCT,
        symbol: 'SPY',
        side: 'BUY',
        clientOrderId: CLID,
        custodianOrderId: 'ORD-1',
        ours,
        theirs: null,
        diffs: [],
        toleratedDiffs: [],
      },
    ]);
  });

  test('UNMATCHED_THEIRS: a custodian trade we do not know (DK)', () => {
    assert.deepEqual(
      match([], [row({ orderId: 'ORD-9', clientOrderId: '', symbol: 'bnd', buySellCode: 'S' })]).results,
      [
        {
          result: 'UNMATCHED_THEIRS',
          accountNumber: ACCT,
          symbol: 'BND',
          side: 'SELL',
          clientOrderId: null,
          custodianOrderId: 'ORD-9',
          ours: null,
          theirs: {
            orderId: 'ORD-9',
            clientOrderId: null,
            rows: 1,
            canceledRows: 0,
            qty: '10.00000',
            avgPrice: '500.250000',
            principalAmount: '5002.50',
            settlementDates: ['2026-03-11'],
          },
          diffs: [],
          toleratedDiffs: [],
        },
      ],
    );
  });

  test('pairing needs the same side, account and symbol: otherwise both sides are unmatched', () => {
    for (const theirs of [
      row({ buySellCode: 'S' }),
      row({ accountNumber: '3ET00002' }),
      row({ symbol: 'VOO' }),
    ]) {
      const { summary, results } = match([our()], [theirs]);
      assert.deepEqual(
        results.map((r) => r.result),
        ['UNMATCHED_OURS', 'UNMATCHED_THEIRS'],
      );
      assert.equal(summary.unmatchedOurs, 1);
      assert.equal(summary.unmatchedTheirs, 1);
    }
  });
});

describe('matchConfirms: CANCELED_AT_CUSTODIAN', () => {
  test('a C row cancelling our buy: canceled at the custodian', () => {
    const r = only([our()], [row(), row({ buySellCode: 'C' })]);
    assert.equal(r.result, 'CANCELED_AT_CUSTODIAN');
    assert.deepEqual(r.theirs, {
      orderId: 'ORD-1',
      clientOrderId: CLID,
      rows: 0,
      canceledRows: 2,
      qty: '0.00000',
      avgPrice: null,
      principalAmount: '0.00',
      settlementDates: [],
    });
    assert.deepEqual(match([our()], [row(), row({ buySellCode: 'C' })]).summary, {
      matched: 0,
      matchedWithinTolerance: 0,
      mismatched: 0,
      unmatchedOurs: 0,
      unmatchedTheirs: 0,
      canceledAtCustodian: 1,
    });
  });

  test('a T row cancels a sell (and not a buy)', () => {
    const sell = our({ side: 'SELL' });
    assert.equal(
      only([sell], [row({ buySellCode: 'S' }), row({ buySellCode: 'T' })]).result,
      'CANCELED_AT_CUSTODIAN',
    );
    // A T row is about a SELL: it neither pairs with nor cancels our buy.
    const { results } = match([our()], [row(), row({ buySellCode: 'T' })]);
    assert.deepEqual(
      results.map((r) => [r.side, r.result]),
      [
        ['BUY', 'MATCHED'],
        ['SELL', 'CANCELED_AT_CUSTODIAN'],
      ],
    );
  });

  test('one cancel for the whole order of several partial executions', () => {
    const r = only(
      [our({ avgPrice: '500.24' })],
      [
        row({ quantity: '6', price: '500.20', principalAmount: '3001.20' }),
        row({ quantity: '4', price: '500.30', principalAmount: '2001.20' }),
        row({ buySellCode: 'C', quantity: '10', price: '500.24', principalAmount: '5002.40' }),
      ],
    );
    assert.equal(r.result, 'CANCELED_AT_CUSTODIAN');
    assert.equal(r.theirs?.canceledRows, 3);
  });

  test('cancel and rebook: the cancelled row is dropped and the rebooked one matched', () => {
    const r = only(
      [our()],
      [
        row({ settlementDate: '2026-03-12' }),
        row({ buySellCode: 'C', settlementDate: '2026-03-12' }),
        row(), // rebooked with the right settlement date
      ],
    );
    assert.equal(r.result, 'MATCHED');
    assert.equal(r.theirs?.rows, 1);
    assert.equal(r.theirs?.canceledRows, 2);
  });

  test('rebook under a new order id: our fill pairs with the live order, the cancelled one is reported', () => {
    const { results, summary } = match(
      [our()],
      [row(), row({ buySellCode: 'C' }), row({ orderId: 'ORD-2' })],
    );
    assert.deepEqual(
      results.map((r) => [r.custodianOrderId, r.result, r.diffs]),
      [
        ['ORD-1', 'CANCELED_AT_CUSTODIAN', []],
        ['ORD-2', 'MISMATCHED', [{ field: 'orderId', ours: 'ORD-1', theirs: 'ORD-2' }]],
      ],
    );
    assert.equal(results[0]!.ours, null);
    assert.equal(summary.canceledAtCustodian, 1);
    assert.equal(summary.mismatched, 1);
  });

  test('a partial cancel leaves the rest to compare: quantity and price mismatch', () => {
    const r = only(
      [our({ avgPrice: '500.24' })],
      [
        row({ quantity: '6', price: '500.20', principalAmount: '3001.20' }),
        row({ quantity: '4', price: '500.30', principalAmount: '2001.20' }),
        row({ buySellCode: 'C', quantity: '4', price: '500.30', principalAmount: '2001.20' }),
      ],
    );
    assert.deepEqual(outcome(r), {
      result: 'MISMATCHED',
      diffs: [
        { field: 'quantity', ours: '10.00000', theirs: '6.00000' },
        { field: 'price', ours: '500.24', theirs: '500.200000' },
      ],
      toleratedDiffs: [],
    });
  });

  test('a cancel that reverses none of the live executions is a mismatch', () => {
    const r = only(
      [our()],
      [row(), row({ buySellCode: 'C', quantity: '3', price: '499', principalAmount: '1497.00' })],
    );
    assert.deepEqual(outcome(r).diffs, [{ field: 'canceledQuantity', ours: '0.00000', theirs: '3.00000' }]);
  });

  test('a cancelled custodian trade we never had is CANCELED_AT_CUSTODIAN, not a DK', () => {
    const r = only([], [row({ orderId: 'ORD-5' }), row({ orderId: 'ORD-5', buySellCode: 'C' })]);
    assert.equal(r.result, 'CANCELED_AT_CUSTODIAN');
    assert.equal(r.ours, null);
    // a lone cancel (of a trade from another day's file) too
    assert.equal(only([], [row({ orderId: 'ORD-6', buySellCode: 'C' })]).result, 'CANCELED_AT_CUSTODIAN');
  });
});

describe('matchConfirms: a whole morning', () => {
  const ours: OurFill[] = [
    our({ clientOrderId: 'C1', custodianOrderId: 'O1', symbol: 'VTI', qty: '3.25', avgPrice: '250.10' }),
    our({
      clientOrderId: 'C2',
      custodianOrderId: 'O2',
      symbol: 'BND',
      side: 'SELL',
      qty: '7',
      avgPrice: '72.13',
    }),
    our({ clientOrderId: 'C3', custodianOrderId: 'O3', symbol: 'VXUS', qty: '12', avgPrice: '61.40' }),
    our({ clientOrderId: 'C4', custodianOrderId: 'O4', symbol: 'VTV', qty: '2', avgPrice: '160.00' }),
    our({ clientOrderId: 'C5', custodianOrderId: 'O5', symbol: 'VUG', qty: '1', avgPrice: '390.00' }),
  ];
  const theirs: CustodianTrade[] = [
    // C1 matched: 3.25 @ 250.10 = 812.825 → 812.82 (half-even)
    row({
      orderId: 'O1',
      clientOrderId: 'C1',
      symbol: 'VTI',
      quantity: '3.25',
      price: '250.10',
      principalAmount: '812.82',
    }),
    // C2 within tolerance, two partials: 4 @ 72.13 + 3 @ 72.14 → 72.134286
    row({
      orderId: 'O2',
      clientOrderId: 'C2',
      symbol: 'BND',
      buySellCode: 'S',
      quantity: '4',
      price: '72.13',
      principalAmount: '288.52',
    }),
    row({
      orderId: 'O2',
      clientOrderId: 'C2',
      symbol: 'BND',
      buySellCode: 'S',
      quantity: '3',
      price: '72.14',
      principalAmount: '216.42',
    }),
    // C3 mismatched quantity
    row({
      orderId: 'O3',
      clientOrderId: 'C3',
      symbol: 'VXUS',
      quantity: '11',
      price: '61.40',
      principalAmount: '675.40',
    }),
    // C4 canceled at the custodian
    row({
      orderId: 'O4',
      clientOrderId: 'C4',
      symbol: 'VTV',
      quantity: '2',
      price: '160.00',
      principalAmount: '320.00',
    }),
    row({
      orderId: 'O4',
      clientOrderId: 'C4',
      symbol: 'VTV',
      buySellCode: 'C',
      quantity: '2',
      price: '160.00',
      principalAmount: '320.00',
    }),
    // C5 missing; a DK trade instead
    row({
      orderId: 'O9',
      clientOrderId: null,
      symbol: 'AGG',
      quantity: '5',
      price: '98.00',
      principalAmount: '490.00',
    }),
  ];

  test('one of each outcome, counted, in a stable order', () => {
    const { results, summary } = match(ours, theirs);
    assert.deepEqual(summary, {
      matched: 1,
      matchedWithinTolerance: 1,
      mismatched: 1,
      unmatchedOurs: 1,
      unmatchedTheirs: 1,
      canceledAtCustodian: 1,
    });
    assert.deepEqual(
      results.map((r) => [r.symbol, r.side, r.result]),
      [
        ['AGG', 'BUY', 'UNMATCHED_THEIRS'],
        ['BND', 'SELL', 'MATCHED_WITHIN_TOLERANCE'],
        ['VTI', 'BUY', 'MATCHED'],
        ['VTV', 'BUY', 'CANCELED_AT_CUSTODIAN'],
        ['VUG', 'BUY', 'UNMATCHED_OURS'],
        ['VXUS', 'BUY', 'MISMATCHED'],
      ],
    );
    assert.deepEqual(results[1]!.toleratedDiffs, [{ field: 'price', ours: '72.13', theirs: '72.134286' }]);
    assert.deepEqual(results[5]!.diffs, [{ field: 'quantity', ours: '12.00000', theirs: '11.00000' }]);
  });

  test('the result does not depend on the order of the inputs', () => {
    assert.deepEqual(match([...ours].reverse(), [...theirs].reverse()), match(ours, theirs));
  });
});

describe('matchConfirms: invalid input', () => {
  test('throws clear errors', () => {
    assert.throws(() => match([our(), our()], []), {
      message: `clientOrderId ${CLID} is listed twice in ours`,
    });
    assert.throws(() => match([our({ qty: '0' })], []), {
      message: 'ours[0].qty must be greater than zero, got 0',
    });
    assert.throws(() => match([our({ avgPrice: '1,5' })], []), {
      message: 'ours[0].avgPrice must be a decimal string, got "1,5"',
    });
    assert.throws(() => match([], [row({ buySellCode: 'X' as 'B' })]), {
      message: 'theirs[0].buySellCode must be B, S, C or T, got "X"',
    });
    assert.throws(() => match([], [row({ buySellCode: 'toString' as 'B' })]), {
      message: 'theirs[0].buySellCode must be B, S, C or T, got "toString"',
    });
    assert.throws(() => match([], [row({ settlementDate: '03/11/2026' })]), {
      message: 'theirs[0].settlementDate must be a YYYY-MM-DD date, got "03/11/2026"',
    });
    assert.throws(() => match([], [], { expectedSettlementDate: '' }), {
      message: 'expectedSettlementDate must be a YYYY-MM-DD date, got ""',
    });
    assert.throws(() => match([], [], { tolerances: { price: '-0.005', money: '0.01' } }), {
      message: 'tolerances.price must be non-negative, got -0.005',
    });
  });
});

/* ================================================================================== properties */

describe('matchConfirms properties (2,000 runs each)', () => {
  /** Orders of ours and their executions at the custodian, split into partial rows, principal in cents. */
  const bookArb = fc
    .array(
      fc.record({
        symbol: fc.constantFrom('VTI', 'BND', 'VXUS', 'AGG'),
        side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
        parts: fc.array(
          fc.record({ q: fc.integer({ min: 1, max: 2_000_000 }), p: fc.integer({ min: 100, max: 50_000 }) }),
          { minLength: 1, maxLength: 4 },
        ),
      }),
      { maxLength: 6 },
    )
    .map((orders) => {
      const ours: OurFill[] = [];
      const theirs: CustodianTrade[] = [];
      orders.forEach((o, i) => {
        let qty = new Dec(0);
        let notional = new Dec(0);
        for (const part of o.parts) {
          const q = new Dec(part.q).div(100_000);
          const p = new Dec(part.p).div(100);
          qty = qty.plus(q);
          notional = notional.plus(q.times(p));
          theirs.push(
            row({
              orderId: `O${i}`,
              clientOrderId: `C${i}`,
              symbol: o.symbol,
              buySellCode: o.side === 'BUY' ? 'B' : 'S',
              quantity: q.toFixed(5),
              price: p.toFixed(2),
              principalAmount: cashStr(q.times(p)),
            }),
          );
        }
        const avg = notional.div(qty).toDecimalPlaces(6).toFixed(6);
        ours.push(
          our({
            clientOrderId: `C${i}`,
            custodianOrderId: `O${i}`,
            symbol: o.symbol,
            side: o.side,
            qty: qty.toFixed(5),
            avgPrice: avg,
          }),
        );
      });
      return { ours, theirs };
    });

  test('our exact averages of the partial executions always match, in any input order', () => {
    fc.assert(
      fc.property(
        bookArb,
        fc.array(fc.integer(), { minLength: 30, maxLength: 30 }),
        ({ ours, theirs }, keys) => {
          const r = match(ours, theirs);
          assert.equal(
            r.summary.matched,
            ours.length,
            JSON.stringify(r.results.filter((x) => x.result !== 'MATCHED')),
          );
          const shuffled = theirs
            .map((t, i) => ({ t, k: keys[i % keys.length]! + i }))
            .sort((a, b) => a.k - b.k);
          assert.deepEqual(
            match(
              [...ours].reverse(),
              shuffled.map((x) => x.t),
            ),
            r,
          );
        },
      ),
      { numRuns: 2_000, seed: 401 },
    );
  });

  test('a price off by more than the tolerance never matches; within it never mismatches on price', () => {
    fc.assert(
      fc.property(bookArb, fc.integer({ min: -100, max: 100 }), ({ ours, theirs }, tenThousandths) => {
        fc.pre(ours.length > 0);
        const shift = new Dec(tenThousandths).div(10_000);
        const moved = ours.map((o) => ({ ...o, avgPrice: dec(o.avgPrice).plus(shift).toFixed(6) }));
        fc.pre(moved.every((o) => dec(o.avgPrice).gt(0)));
        for (const r of match(moved, theirs).results) {
          const priceOff = r.diffs.some((d) => d.field === 'price');
          // ours = exact VWAP rounded at 6 dp, ± shift: off iff |shift ± rounding| > 0.005
          if (shift.abs().gt('0.0051')) assert.ok(priceOff, `shift ${shift}`);
          if (shift.abs().lt('0.0049')) assert.ok(!priceOff, `shift ${shift}`);
          if (shift.isZero()) assert.equal(r.result, 'MATCHED');
          else if (shift.abs().lt('0.0049')) assert.equal(r.result, 'MATCHED_WITHIN_TOLERANCE');
        }
      }),
      { numRuns: 2_000, seed: 402 },
    );
  });
});
