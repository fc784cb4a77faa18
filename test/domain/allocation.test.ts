/**
 * Block allocation (docs/domain.md §8.3) and idempotent execution processing (§3.5): hand-computed
 * examples, then fast-check properties (10,000 runs each, seeded for reproducibility).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Decimal from 'decimal.js';
import fc from 'fast-check';
import {
  type AllocationInput,
  type ApprovedLeg,
  type ExecutionMessage,
  allocateProRata,
  applyExecutions,
  blockFromLegs,
} from '../../src/domain/allocation';
import { Dec, ZERO, dec } from '../../src/domain/money';

const RUNS = 10_000;
const params = (seed: number) => ({ numRuns: RUNS, seed });

/** accountId → qty of an allocation result. */
function qtys(r: ReturnType<typeof allocateProRata>): Record<string, string> {
  return Object.fromEntries(r.allocations.map((a) => [a.accountId, a.qty]));
}

function reqs(m: Record<string, string>): AllocationInput['requests'] {
  return Object.entries(m).map(([accountId, qty]) => ({ accountId, qty }));
}

describe('allocateProRata: hand-computed examples', () => {
  test('a full fill of 100 against 50/30/20 gives 50/30/20, at the block price, no residue', () => {
    const r = allocateProRata({
      filledQty: '100',
      avgPrice: '412.37',
      step: '0.00001',
      requests: reqs({ A: '50', B: '30', C: '20' }),
    });
    assert.deepEqual(r, {
      allocations: [
        { accountId: 'A', qty: '50.00000', price: '412.37' },
        { accountId: 'B', qty: '30.00000', price: '412.37' },
        { accountId: 'C', qty: '20.00000', price: '412.37' },
      ],
      residue: '0.00000',
    });
  });

  test('a partial fill of 60 against 50/30/20 (fractional step) is exactly pro rata: 30/18/12', () => {
    const r = allocateProRata({
      filledQty: '60',
      avgPrice: '100.01',
      step: '0.00001',
      requests: reqs({ A: '50', B: '30', C: '20' }),
    });
    assert.deepEqual(qtys(r), { A: '30.00000', B: '18.00000', C: '12.00000' });
    assert.equal(r.residue, '0.00000');
  });

  test('fill 10 of 3 × [1] (step 1) is an overfill and throws; fill 2 of 3 × [1] gives 1/1/0 by accountId', () => {
    assert.throws(
      () =>
        allocateProRata({
          filledQty: '10',
          avgPrice: '50',
          step: '1',
          requests: reqs({ A: '1', B: '1', C: '1' }),
        }),
      { message: 'filledQty 10 exceeds the total requested 3.00000: an overfill is a break' },
    );
    // exact shares 2/3 each: floor 0, 2 whole steps left, all remainders equal → A then B.
    const r = allocateProRata({
      filledQty: '2',
      avgPrice: '50',
      step: '1',
      requests: reqs({ C: '1', B: '1', A: '1' }),
    });
    assert.deepEqual(qtys(r), { A: '1.00000', B: '1.00000', C: '0.00000' });
    assert.equal(r.residue, '0.00000');
  });

  test('fill 7 of 3/3/3 with step 1: 2 each, the remaining share goes to the lowest accountId', () => {
    // exact 7/3 = 2.333… each; floors 2+2+2 = 6; 1 step left; equal remainders → tiebreak on accountId.
    const r = allocateProRata({
      filledQty: '7',
      avgPrice: '99.5',
      step: '1',
      requests: reqs({ 'acct-3': '3', 'acct-1': '3', 'acct-2': '3' }),
    });
    assert.deepEqual(r.allocations, [
      { accountId: 'acct-1', qty: '3.00000', price: '99.5' },
      { accountId: 'acct-2', qty: '2.00000', price: '99.5' },
      { accountId: 'acct-3', qty: '2.00000', price: '99.5' },
    ]);
    assert.equal(r.residue, '0.00000');
  });

  test('largest fractional remainder wins before the tiebreak: fill 10 of 3/5/9 (step 1) → 2/3/5', () => {
    // exact 30/17 = 1.76, 50/17 = 2.94, 90/17 = 5.29; floors 1+2+5 = 8; 2 steps → B (.94), then A (.76).
    const r = allocateProRata({
      filledQty: '10',
      avgPrice: '20',
      step: '1',
      requests: reqs({ A: '3', B: '5', C: '9' }),
    });
    assert.deepEqual(qtys(r), { A: '2.00000', B: '3.00000', C: '5.00000' });
  });

  test('fractional step: fill 1 of 1/1/1 at 0.00001 → 0.33334/0.33333/0.33333', () => {
    const r = allocateProRata({
      filledQty: '1',
      avgPrice: '0.5123',
      step: '0.00001',
      requests: reqs({ X: '1', Y: '1', Z: '1' }),
    });
    assert.deepEqual(qtys(r), { X: '0.33334', Y: '0.33333', Z: '0.33333' });
    assert.equal(r.residue, '0.00000');
  });

  test('fractional step with unequal requests: fill 12.34567 of 10/7.5/2.5 (Σ 20)', () => {
    // exact: 6.172835, 4.62962625, 1.54320875 → floors 6.17283 + 4.62962 + 1.54320 = 12.34565;
    // 2 steps left; remainders (in steps) .5, .625, .875 → C then B.
    const r = allocateProRata({
      filledQty: '12.34567',
      avgPrice: '77.10',
      step: '0.00001',
      requests: reqs({ A: '10', B: '7.5', C: '2.5' }),
    });
    assert.deepEqual(qtys(r), { A: '6.17283', B: '4.62963', C: '1.54321' });
    assert.equal(r.residue, '0.00000');
  });

  test('a fill that is not a multiple of the step leaves a residue below one step', () => {
    // step 1, fill 7.5 of 3/3/3: exact 2.5 each; floors 6; 1.5 left → one whole step (to A), residue 0.5.
    const r = allocateProRata({
      filledQty: '7.5',
      avgPrice: '10',
      step: '1',
      requests: reqs({ A: '3', B: '3', C: '3' }),
    });
    assert.deepEqual(qtys(r), { A: '3.00000', B: '2.00000', C: '2.00000' });
    assert.equal(r.residue, '0.50000');
    const tiny = allocateProRata({
      filledQty: '0.5',
      avgPrice: '10',
      step: '1',
      requests: reqs({ A: '1', B: '1' }),
    });
    assert.deepEqual(qtys(tiny), { A: '0.00000', B: '0.00000' });
    assert.equal(tiny.residue, '0.50000');
  });

  test('the accountId tiebreak is code-unit order (upper case before lower case), not locale order', () => {
    const r = allocateProRata({
      filledQty: '1',
      avgPrice: '10',
      step: '1',
      requests: reqs({ a: '1', B: '1' }),
    });
    assert.deepEqual(r.allocations, [
      { accountId: 'B', qty: '1.00000', price: '10' },
      { accountId: 'a', qty: '0.00000', price: '10' },
    ]);
  });

  test('exact at sizes beyond 40 significant digits of intermediate products', () => {
    const r = allocateProRata({
      filledQty: '987654321098765.43210',
      avgPrice: '1.23',
      step: '0.00001',
      requests: reqs({ A: '555555555555555.55555', B: '444444444444444.44445', C: '1' }),
    });
    const total = r.allocations.reduce((s, a) => s.plus(dec(a.qty)), ZERO).plus(dec(r.residue));
    assert.equal(total.toFixed(5), '987654321098765.43210');
    assert.deepEqual(qtys(r), {
      A: '548696845054869.13580',
      B: '438957476043895.30865',
      C: '0.98765',
    });
  });

  test('more than 5 dp in a step is kept, not truncated', () => {
    const r = allocateProRata({
      filledQty: '0.000001',
      avgPrice: '3',
      step: '0.000001',
      requests: reqs({ A: '0.000001', B: '0.000001' }),
    });
    assert.deepEqual(qtys(r), { A: '0.000001', B: '0.000000' });
    assert.equal(r.residue, '0.000000');
  });

  test('invalid inputs throw clear errors', () => {
    const ok: AllocationInput = {
      filledQty: '5',
      avgPrice: '10',
      step: '1',
      requests: reqs({ A: '5', B: '5' }),
    };
    const bad = (patch: Partial<AllocationInput>, message: string | RegExp) =>
      assert.throws(() => allocateProRata({ ...ok, ...patch }), { message });
    bad({ filledQty: '0' }, 'filledQty must be greater than zero, got "0"');
    bad({ filledQty: '-1' }, 'filledQty must be greater than zero, got "-1"');
    bad({ filledQty: '1e3' }, 'filledQty must be a decimal string, got "1e3"');
    bad({ avgPrice: '0' }, 'avgPrice must be greater than zero, got "0"');
    bad({ step: '0' }, 'step must be greater than zero, got "0"');
    bad({ requests: [] }, 'requests must list at least one account');
    bad(
      { requests: reqs({ A: '5', B: '0' }) },
      'requests[1].qty (account B) must be greater than zero, got "0"',
    );
    bad(
      { requests: [...reqs({ A: '5' }), { accountId: 'A', qty: '1' }] },
      'duplicate accountId in requests: A',
    );
    bad({ requests: [{ accountId: '', qty: '1' }] }, 'requests[0].accountId must be a non-empty string');
    bad(
      { requests: reqs({ A: '2.5', B: '5' }) },
      'requests[0].qty (account A) 2.5 is not a multiple of the step 1',
    );
    bad({ filledQty: '10.00001' }, /^filledQty 10\.00001 exceeds the total requested 10\.00000/);
  });
});

describe('blockFromLegs', () => {
  const legs: ApprovedLeg[] = [
    { accountId: 'A2', proposalId: 'P2', legNo: 2, symbol: 'VTI', side: 'BUY', qty: '3.5' },
    { accountId: 'A1', proposalId: 'P1', legNo: 1, symbol: 'BND', side: 'SELL', qty: '10' },
    { accountId: 'A1', proposalId: 'P1', legNo: 2, symbol: 'VTI', side: 'BUY', qty: '1.25' },
    { accountId: 'A2', proposalId: 'P2', legNo: 1, symbol: 'BND', side: 'SELL', qty: '4' },
    { accountId: 'A1', proposalId: 'P3', legNo: 1, symbol: 'VTI', side: 'BUY', qty: '0.75' },
    { accountId: 'A3', proposalId: 'P4', legNo: 1, symbol: 'BND', side: 'BUY', qty: '2' },
  ];
  const expected = [
    {
      symbol: 'BND',
      side: 'BUY',
      requestedQty: '2.00000',
      statement: [{ accountId: 'A3', proposalId: 'P4', legNo: 1, qty: '2.00000' }],
      requests: [{ accountId: 'A3', qty: '2.00000' }],
    },
    {
      symbol: 'BND',
      side: 'SELL',
      requestedQty: '14.00000',
      statement: [
        { accountId: 'A1', proposalId: 'P1', legNo: 1, qty: '10.00000' },
        { accountId: 'A2', proposalId: 'P2', legNo: 1, qty: '4.00000' },
      ],
      requests: [
        { accountId: 'A1', qty: '10.00000' },
        { accountId: 'A2', qty: '4.00000' },
      ],
    },
    {
      symbol: 'VTI',
      side: 'BUY',
      requestedQty: '5.50000',
      statement: [
        { accountId: 'A1', proposalId: 'P1', legNo: 2, qty: '1.25000' },
        { accountId: 'A1', proposalId: 'P3', legNo: 1, qty: '0.75000' },
        { accountId: 'A2', proposalId: 'P2', legNo: 2, qty: '3.50000' },
      ],
      requests: [
        { accountId: 'A1', qty: '2.00000' },
        { accountId: 'A2', qty: '3.50000' },
      ],
    },
  ];

  test('one block per (symbol, side), sorted, with the pre-trade statement and per-account requests', () => {
    assert.deepEqual(blockFromLegs(legs), expected);
    assert.deepEqual(blockFromLegs([...legs].reverse()), expected);
    assert.deepEqual(blockFromLegs([]), []);
  });

  test('a block feeds allocateProRata: VTI block of 5.5 filled 2.2 at 250.00', () => {
    const vti = blockFromLegs(legs).find((b) => b.symbol === 'VTI')!;
    const r = allocateProRata({
      filledQty: '2.2',
      avgPrice: '250.00',
      step: '0.00001',
      requests: vti.requests,
    });
    assert.deepEqual(qtys(r), { A1: '0.80000', A2: '1.40000' });
  });

  test('invalid legs throw', () => {
    const leg = legs[0]!;
    assert.throws(() => blockFromLegs([leg, { ...leg, accountId: 'A9' }]), {
      message: 'leg 2 of proposal P2 is listed twice',
    });
    assert.throws(() => blockFromLegs([{ ...leg, qty: '0' }]), {
      message: 'legs[0].qty (proposal P2 leg 2) must be greater than zero, got "0"',
    });
    assert.throws(() => blockFromLegs([{ ...leg, side: 'HOLD' as 'BUY' }]), {
      message: 'legs[0].side must be BUY or SELL, got "HOLD"',
    });
    assert.throws(() => blockFromLegs([{ ...leg, legNo: 0 }]), {
      message: 'legs[0].legNo must be a positive integer, got 0',
    });
    assert.throws(() => blockFromLegs([{ ...leg, symbol: '' }]), {
      message: 'legs[0].symbol must be a non-empty string',
    });
  });
});

describe('applyExecutions: hand-computed examples', () => {
  const fill = (executionId: string, qty: string, price: string): ExecutionMessage => ({
    executionId,
    qty,
    price,
  });

  test('partial fills: cumQty, leavesQty and avgPx from the executions', () => {
    // (30 × 10.00 + 20 × 10.10) / 50 = 502 / 50 = 10.04
    assert.deepEqual(
      applyExecutions({ qty: '100', executions: [fill('E1', '30', '10.00'), fill('E2', '20', '10.10')] }),
      {
        cumQty: '50.00000',
        leavesQty: '50.00000',
        avgPx: '10.040000',
        overfill: false,
        ignoredDuplicates: 0,
        unappliedReferences: [],
      },
    );
  });

  test('avgPx is rounded half-even at 6 dp: (1 × 10 + 2 × 10.01) / 3 = 10.0066666…', () => {
    const r = applyExecutions({ qty: '3', executions: [fill('E1', '1', '10'), fill('E2', '2', '10.01')] });
    assert.equal(r.avgPx, '10.006667');
    assert.equal(r.leavesQty, '0.00000');
  });

  test('no executions: nothing filled, avgPx null', () => {
    assert.deepEqual(applyExecutions({ qty: '12.5', executions: [] }), {
      cumQty: '0.00000',
      leavesQty: '12.50000',
      avgPx: null,
      overfill: false,
      ignoredDuplicates: 0,
      unappliedReferences: [],
    });
  });

  test('a re-sent executionId is applied once (first wins) and counted', () => {
    const r = applyExecutions({
      qty: '100',
      executions: [
        fill('E1', '30', '10'),
        fill('E1', '30', '10'),
        fill('E2', '10', '11'),
        fill('E1', '99', '1'),
      ],
    });
    assert.equal(r.cumQty, '40.00000');
    assert.equal(r.avgPx, '10.250000');
    assert.equal(r.ignoredDuplicates, 2);
  });

  test('a bust (H) removes the referenced fill; a correction (G) replaces its quantity and price', () => {
    const r = applyExecutions({
      qty: '100',
      executions: [
        fill('E1', '30', '10.00'),
        fill('E2', '20', '10.10'),
        fill('E3', '10', '9.90'),
        { executionId: 'H1', qty: '30', price: '10.00', state: 'BUSTED', refExecutionId: 'E1' },
        { executionId: 'G1', qty: '25', price: '10.20', state: 'CORRECTED', refExecutionId: 'E2' },
      ],
    });
    // live: 25 × 10.20 + 10 × 9.90 = 255 + 99 = 354 over 35 → 10.114285714…
    assert.deepEqual(r, {
      cumQty: '35.00000',
      leavesQty: '65.00000',
      avgPx: '10.114286',
      overfill: false,
      ignoredDuplicates: 0,
      unappliedReferences: [],
    });
  });

  test('corrections chain by reference; a bust may name a correction; a bust may arrive before its fill', () => {
    const r = applyExecutions({
      qty: '50',
      executions: [
        { executionId: 'H9', qty: '0', price: '0', state: 'BUSTED', refExecutionId: 'E9' },
        fill('E1', '10', '20'),
        { executionId: 'G1', qty: '12', price: '20.5', state: 'CORRECTED', refExecutionId: 'E1' },
        { executionId: 'G2', qty: '11', price: '20.25', state: 'CORRECTED', refExecutionId: 'G1' },
        fill('E2', '5', '21'),
        { executionId: 'H2', qty: '5', price: '21', state: 'BUSTED', refExecutionId: 'G3' },
        fill('E9', '7', '19'),
        fill('E4', '4', '22'),
        { executionId: 'G3', qty: '4', price: '22.5', state: 'CORRECTED', refExecutionId: 'E4' },
        { executionId: 'H4', qty: '4', price: '22.5', state: 'BUSTED', refExecutionId: 'G3' },
      ],
    });
    // E9 busted by H9 (listed first); E1 corrected twice → 11 @ 20.25; G3 then H4 bust E4; H2 (ref G3,
    // processed before G3 exists) cannot apply. Live: E1' 11 @ 20.25 and E2 5 @ 21 → 222.75 + 105 = 327.75 / 16.
    assert.deepEqual(r, {
      cumQty: '16.00000',
      leavesQty: '34.00000',
      avgPx: '20.484375',
      overfill: false,
      ignoredDuplicates: 0,
      unappliedReferences: ['H2'],
    });
  });

  test('a bust of an unknown or already busted execution is reported, not applied', () => {
    const r = applyExecutions({
      qty: '10',
      executions: [
        fill('E1', '4', '10'),
        { executionId: 'H1', qty: '4', price: '10', state: 'BUSTED', refExecutionId: 'E1' },
        { executionId: 'H2', qty: '4', price: '10', state: 'BUSTED', refExecutionId: 'E1' },
        { executionId: 'G1', qty: '4', price: '10', state: 'CORRECTED', refExecutionId: 'E1' },
        { executionId: 'H0', qty: '1', price: '10', state: 'BUSTED', refExecutionId: 'NOPE' },
      ],
    });
    assert.equal(r.cumQty, '0.00000');
    assert.equal(r.avgPx, null);
    assert.deepEqual(r.unappliedReferences, ['G1', 'H0', 'H2']);
  });

  test('an overfill (cumQty > qty) is a break: reported, leavesQty 0', () => {
    const r = applyExecutions({ qty: '100', executions: [fill('E1', '60', '10'), fill('E2', '50', '10')] });
    assert.deepEqual(r, {
      cumQty: '110.00000',
      leavesQty: '0.00000',
      avgPx: '10.000000',
      overfill: true,
      ignoredDuplicates: 0,
      unappliedReferences: [],
    });
    const exact = applyExecutions({
      qty: '100',
      executions: [fill('E1', '60', '10'), fill('E2', '40', '10')],
    });
    assert.equal(exact.overfill, false);
    assert.equal(exact.leavesQty, '0.00000');
  });

  test('malformed executions throw', () => {
    const bad = (executions: ExecutionMessage[], message: string, qty = '10') =>
      assert.throws(() => applyExecutions({ qty, executions }), { message });
    bad([], 'order qty must be greater than zero, got "0"', '0');
    bad([fill('', '1', '1')], 'executions[0].executionId must be a non-empty string');
    bad([fill('E1', '0', '1')], 'execution E1 qty must be greater than zero, got "0"');
    bad([fill('E1', '1', 'abc')], 'execution E1 price must be a decimal string, got "abc"');
    bad(
      [{ executionId: 'H1', qty: '1', price: '1', state: 'BUSTED' }],
      'execution H1: a BUSTED execution needs refExecutionId (the execution it applies to)',
    );
    bad(
      [{ executionId: 'G1', qty: '1', price: '1', state: 'CORRECTED', refExecutionId: 'G1' }],
      'execution G1: refers to itself',
    );
    bad(
      [{ executionId: 'E1', qty: '1', price: '1', refExecutionId: 'E0' }],
      'execution E1: refExecutionId is only for BUSTED and CORRECTED executions',
    );
  });
});

/* ================================================================================== properties */

const STEPS = ['1', '0.00001', '0.01', '0.5'] as const;

/** A valid allocation input: requests are multiples of the step; the fill (5 dp) is at most Σ requested. */
const allocationArb: fc.Arbitrary<AllocationInput> = fc
  .record({
    step: fc.constantFrom(...STEPS),
    ids: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
    // small multiples make ties frequent; large ones exercise the arithmetic
    multiples: fc.array(fc.oneof(fc.bigInt({ min: 1n, max: 5n }), fc.bigInt({ min: 1n, max: 10_000_000n })), {
      minLength: 8,
      maxLength: 8,
    }),
    fillFraction: fc.bigInt({ min: 1n, max: 1_000_000n }),
    avgPrice: fc.constantFrom('0.5123', '100.25', '412.37'),
  })
  .map(({ step, ids, multiples, fillFraction, avgPrice }) => {
    const s = dec(step);
    const requests = ids.map((accountId, i) => ({
      accountId,
      qty: s.times(multiples[i]!.toString()).toFixed(),
    }));
    const total = requests.reduce((a, r) => a.plus(r.qty), ZERO);
    // filled = total × k / 10^6 truncated to 5 dp (not necessarily a multiple of the step), at least 0.00001
    let filled = total.times(fillFraction.toString()).div(1_000_000).toDecimalPlaces(5, Decimal.ROUND_DOWN);
    if (filled.isZero()) filled = new Dec('0.00001');
    return { filledQty: filled.toFixed(), avgPrice, step, requests };
  });

/** A permutation of `xs` driven by random keys. */
function permute<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i] ?? 0, i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.x);
}

describe('allocateProRata properties (10,000 runs each)', () => {
  test('Σ allocations = filled − residue, with 0 ≤ residue < step', () => {
    fc.assert(
      fc.property(allocationArb, (input) => {
        const r = allocateProRata(input);
        const allocated = r.allocations.reduce((a, x) => a.plus(x.qty), ZERO);
        const residue = dec(r.residue);
        assert.ok(
          allocated.eq(dec(input.filledQty).minus(residue)),
          `${allocated} + ${residue} ≠ ${input.filledQty}`,
        );
        assert.ok(residue.gte(0) && residue.lt(dec(input.step)), `residue ${residue} step ${input.step}`);
        // the residue is only the part of the fill that is not a whole number of steps
        assert.ok(residue.eq(dec(input.filledQty).mod(dec(input.step))));
      }),
      params(201),
    );
  });

  test('0 ≤ allocated ≤ requested per account, a multiple of the step, at the block price', () => {
    fc.assert(
      fc.property(allocationArb, (input) => {
        const r = allocateProRata(input);
        assert.equal(r.allocations.length, input.requests.length);
        const requested = new Map(input.requests.map((q) => [q.accountId, dec(q.qty)]));
        for (const a of r.allocations) {
          const q = dec(a.qty);
          assert.ok(q.gte(0) && q.lte(requested.get(a.accountId)!), `${a.accountId}: ${a.qty}`);
          assert.ok(q.mod(dec(input.step)).isZero(), `${a.qty} not a multiple of ${input.step}`);
          assert.equal(a.price, input.avgPrice);
        }
      }),
      params(202),
    );
  });

  test('independent of the order of requests', () => {
    fc.assert(
      fc.property(allocationArb, fc.array(fc.integer(), { minLength: 8, maxLength: 8 }), (input, keys) => {
        const shuffled = { ...input, requests: permute(input.requests, keys) };
        assert.deepEqual(allocateProRata(shuffled), allocateProRata(input));
      }),
      params(203),
    );
  });

  test('pro rata and fair: |alloc − fill × req / Σreq| < step; the extra steps go by largest remainder, then id', () => {
    fc.assert(
      fc.property(allocationArb, (input) => {
        const r = allocateProRata(input);
        const step = dec(input.step);
        const fill = dec(input.filledQty);
        const total = input.requests.reduce((a, q) => a.plus(q.qty), ZERO);
        const rows = input.requests.map((q) => {
          const alloc = dec(r.allocations.find((a) => a.accountId === q.accountId)!.qty);
          // floor(fill × req / (Σreq × step)) and its remainder, exactly (all values are small)
          const num = fill.times(q.qty);
          const floorSteps = num.div(total.times(step)).floor();
          const rem = num.minus(floorSteps.times(total).times(step));
          const extra = alloc.minus(floorSteps.times(step));
          assert.ok(extra.eq(0) || extra.eq(step), `${q.accountId}: extra ${extra}`);
          assert.ok(alloc.times(total).minus(num).abs().lt(step.times(total)), `${q.accountId} not pro rata`);
          return { id: q.accountId, rem, extra: !extra.isZero() };
        });
        for (const a of rows.filter((x) => x.extra)) {
          for (const b of rows.filter((x) => !x.extra)) {
            assert.ok(
              a.rem.gt(b.rem) || (a.rem.eq(b.rem) && a.id < b.id),
              `${b.id} should get a step before ${a.id}`,
            );
          }
        }
      }),
      params(204),
    );
  });

  test('monotone: a larger request never gets less; equal requests differ by at most one step', () => {
    fc.assert(
      fc.property(allocationArb, (input) => {
        const r = allocateProRata(input);
        const req = new Map(input.requests.map((q) => [q.accountId, dec(q.qty)]));
        for (const a of r.allocations) {
          for (const b of r.allocations) {
            const ra = req.get(a.accountId)!;
            const rb = req.get(b.accountId)!;
            if (ra.gt(rb))
              assert.ok(dec(a.qty).gte(b.qty), `${a.accountId} ${a.qty} < ${b.accountId} ${b.qty}`);
            if (ra.eq(rb)) assert.ok(dec(a.qty).minus(b.qty).abs().lte(dec(input.step)));
          }
        }
      }),
      params(205),
    );
  });
});

/* ---------------------------------------------------------------- executions */

const fillArb = fc.record({
  q: fc.integer({ min: 1, max: 5_000_000 }), // in 0.00001 shares
  p: fc.integer({ min: 1, max: 10_000_000 }), // in 0.0001 dollars
});
const qStr = (n: number) => new Dec(n).div(100_000).toFixed(5);
const pStr = (n: number) => new Dec(n).div(10_000).toFixed(4);

/** Fills E0..En plus busts and corrections, with the fills each trade ends up as. */
const executionsArb = fc
  .array(
    fc.record({
      fill: fillArb,
      fate: fc.constantFrom('KEEP', 'BUST', 'CORRECT', 'CORRECT_TWICE', 'CORRECT_THEN_BUST'),
      fix1: fillArb,
      fix2: fillArb,
    }),
    { minLength: 0, maxLength: 12 },
  )
  .chain((trades) =>
    fc.record({
      trades: fc.constant(trades),
      orderQty: fc.integer({ min: 1, max: 60_000_000 }),
      keys: fc.array(fc.integer(), { minLength: 60, maxLength: 60 }),
    }),
  )
  .map(({ trades, orderQty, keys }) => {
    const fills: ExecutionMessage[] = [];
    const adjustments: ExecutionMessage[] = [];
    const effective: { q: Dec; p: Dec }[] = [];
    trades.forEach((t, i) => {
      const id = `E${i}`;
      fills.push({ executionId: id, qty: qStr(t.fill.q), price: pStr(t.fill.p) });
      const correct = (cid: string, ref: string, f: { q: number; p: number }): ExecutionMessage => ({
        executionId: cid,
        qty: qStr(f.q),
        price: pStr(f.p),
        state: 'CORRECTED',
        refExecutionId: ref,
      });
      const bust = (ref: string): ExecutionMessage => ({
        executionId: `H${i}`,
        qty: '0',
        price: '0',
        state: 'BUSTED',
        refExecutionId: ref,
      });
      if (t.fate === 'KEEP') effective.push({ q: dec(qStr(t.fill.q)), p: dec(pStr(t.fill.p)) });
      if (t.fate === 'BUST') adjustments.push(bust(id));
      if (t.fate === 'CORRECT') {
        adjustments.push(correct(`G${i}a`, id, t.fix1));
        effective.push({ q: dec(qStr(t.fix1.q)), p: dec(pStr(t.fix1.p)) });
      }
      if (t.fate === 'CORRECT_TWICE') {
        adjustments.push(correct(`G${i}a`, id, t.fix1), correct(`G${i}b`, `G${i}a`, t.fix2));
        effective.push({ q: dec(qStr(t.fix2.q)), p: dec(pStr(t.fix2.p)) });
      }
      if (t.fate === 'CORRECT_THEN_BUST') adjustments.push(correct(`G${i}a`, id, t.fix1), bust(`G${i}a`));
    });
    // fills anywhere; adjustments keep their relative order (a correction of a correction comes after it)
    const slots = permute(
      [...fills.map(() => 'F' as const), ...adjustments.map(() => 'A' as const)],
      keys.slice(0, fills.length + adjustments.length),
    );
    const shuffledFills = permute(fills, keys.slice(30));
    let f = 0;
    let a = 0;
    const messages = slots.map((s) => (s === 'F' ? shuffledFills[f++]! : adjustments[a++]!));
    return { qty: qStr(orderQty), messages, effective };
  });

function oracle(qty: string, effective: { q: Dec; p: Dec }[]) {
  const cum = effective.reduce((s, e) => s.plus(e.q), ZERO);
  const notional = effective.reduce((s, e) => s.plus(e.q.times(e.p)), ZERO);
  const leaves = dec(qty).minus(cum);
  return {
    cumQty: cum.toFixed(5),
    leavesQty: (leaves.isNeg() ? ZERO : leaves).toFixed(5),
    avgPx: cum.isZero() ? null : notional.div(cum).toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN).toFixed(6),
    overfill: cum.gt(qty),
  };
}

describe('applyExecutions properties (10,000 runs each)', () => {
  test('fills only: cumQty = Σq, avgPx = Σq·p / Σq (6 dp), leaves = qty − cumQty, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fillArb, { maxLength: 15 }),
        fc.integer({ min: 1, max: 80_000_000 }),
        fc.array(fc.integer(), { minLength: 15, maxLength: 15 }),
        (fs, orderQty, keys) => {
          const execs = fs.map((x, i) => ({ executionId: `E${i}`, qty: qStr(x.q), price: pStr(x.p) }));
          const r = applyExecutions({ qty: qStr(orderQty), executions: permute(execs, keys) });
          const exp = oracle(
            qStr(orderQty),
            execs.map((e) => ({ q: dec(e.qty), p: dec(e.price) })),
          );
          assert.deepEqual(r, { ...exp, ignoredDuplicates: 0, unappliedReferences: [] });
          if (r.avgPx !== null) {
            // |avgPx − Σqp/Σq| ≤ half a unit of the 6th decimal, checked without division
            const cum = dec(r.cumQty);
            const notional = execs.reduce((s, e) => s.plus(dec(e.qty).times(e.price)), ZERO);
            assert.ok(dec(r.avgPx).times(cum).minus(notional).abs().lte(cum.times('0.0000005')));
          }
          if (!r.overfill) assert.ok(dec(r.cumQty).plus(r.leavesQty).eq(qStr(orderQty)));
          else assert.equal(r.leavesQty, '0.00000');
        },
      ),
      params(301),
    );
  });

  test('busts and corrections by reference give the totals of the surviving, corrected fills', () => {
    fc.assert(
      fc.property(executionsArb, ({ qty, messages, effective }) => {
        const r = applyExecutions({ qty, executions: messages });
        assert.deepEqual(r, { ...oracle(qty, effective), ignoredDuplicates: 0, unappliedReferences: [] });
      }),
      params(302),
    );
  });

  test('duplicates are idempotent: re-sent messages change nothing but the duplicate count', () => {
    fc.assert(
      fc.property(
        executionsArb,
        fc.array(fc.record({ pick: fc.nat(), after: fc.nat() }), { maxLength: 10 }),
        ({ qty, messages }, dups) => {
          const base = applyExecutions({ qty, executions: messages });
          const withDups = [...messages];
          let inserted = 0;
          for (const d of dups) {
            if (withDups.length === 0) break;
            const i = d.pick % withDups.length;
            // a copy somewhere after the original (re-sent later), possibly with different content
            const at = i + 1 + (d.after % (withDups.length - i));
            const copy = d.after % 3 === 0 ? { ...withDups[i]!, qty: '1', price: '1' } : { ...withDups[i]! };
            withDups.splice(at, 0, copy);
            inserted++;
          }
          const r = applyExecutions({ qty, executions: withDups });
          assert.deepEqual(r, { ...base, ignoredDuplicates: inserted });
        },
      ),
      params(303),
    );
  });
});
