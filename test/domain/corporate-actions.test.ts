import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyStockFactor,
  cashInLieu,
  closeLotsForCash,
  unlottedAfterFactor,
} from '../../src/domain/corporate-actions';

const lots = [
  { lotId: 'A', openDate: '2025-03-03', qty: '10.00000', unitCost: '100.000000' },
  { lotId: 'B', openDate: '2026-01-05', qty: '5.50001', unitCost: '90.000000' },
];

describe('corporate actions on lots', () => {
  it('a 2-for-1 split doubles quantities, halves unit costs, keeps ids and open dates', () => {
    const r = applyStockFactor(lots, '2', false);
    assert.deepEqual(r.lots, [
      { lotId: 'A', openDate: '2025-03-03', qty: '20.00000', unitCost: '50.000000' },
      { lotId: 'B', openDate: '2026-01-05', qty: '11.00002', unitCost: '45.000000' },
    ]);
    assert.equal(r.qty, '31.00002');
    assert.equal(r.fraction, '0.00000');
  });

  it('a 3-for-2 split of whole-share lots takes the fraction from the newest lot, with its cost', () => {
    const whole = [
      { lotId: 'A', openDate: '2025-03-03', qty: '3.00000', unitCost: '30.000000' },
      { lotId: 'B', openDate: '2026-01-05', qty: '3.00000', unitCost: '60.000000' },
      { lotId: 'C', openDate: '2026-01-05', qty: '1.00000', unitCost: '60.000000' },
    ];
    const r = applyStockFactor(whole, '1.5', true);
    // 4.5 + 4.5 + 1.5 = 10.5 → 10 whole shares; the 0.5 comes off C (same date as B, larger id).
    assert.equal(r.qty, '10.00000');
    assert.equal(r.fraction, '0.50000');
    assert.deepEqual(
      r.lots.map((l) => [l.lotId, l.qty, l.unitCost]),
      [
        ['A', '4.50000', '20.000000'],
        ['B', '4.50000', '40.000000'],
        ['C', '1.00000', '40.000000'],
      ],
    );
    assert.equal(r.fractionCost, '20.00');
    // 0.5 × 41.37 = 20.685: cents half-even, as every cash amount of the book.
    assert.equal(cashInLieu(r.fraction, '41.37'), '20.68');
  });

  it('a 1-for-10 reverse split rounds each lot down to 5 dp', () => {
    const r = applyStockFactor(lots, '0.1', false);
    assert.deepEqual(
      r.lots.map((l) => [l.qty, l.unitCost]),
      [
        ['1.00000', '1000.000000'],
        ['0.55000', '900.000000'],
      ],
    );
    assert.equal(r.qty, '1.55000');
  });

  it('refuses a factor that is not positive', () => {
    assert.throws(() => applyStockFactor(lots, '0', false), /stock factor must be positive/);
  });

  it('shares outside any lot get the factor too', () => {
    assert.equal(unlottedAfterFactor('17.00001', '15.50001', '2'), '3.00000');
    assert.equal(unlottedAfterFactor('15.50001', '15.50001', '2'), '0.00000');
  });

  it('a cash merger closes every lot at the cash factor, with its gain', () => {
    assert.deepEqual(closeLotsForCash(lots, '95.50'), [
      {
        lotId: 'A',
        openDate: '2025-03-03',
        qty: '10.00000',
        cost: '1000.00',
        proceeds: '955.00',
        gain: '-45.00',
      },
      {
        lotId: 'B',
        openDate: '2026-01-05',
        qty: '5.50001',
        cost: '495.00',
        proceeds: '525.25',
        gain: '30.25',
      },
    ]);
  });
});
