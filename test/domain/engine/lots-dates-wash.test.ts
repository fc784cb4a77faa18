import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_ENGINE_CONFIG,
  addDays,
  bandHalfWidth,
  dayNumber,
  daysBetween,
  decStrGreater,
  driftRows,
  estimateTax,
  holdingTerm,
  isBreached,
  resolveConfig,
  selectLots,
  spread,
  washSaleConflicts,
} from '../../../src/domain/engine';
import type { Lot } from '../../../src/domain/engine';
import { Dec, dec } from '../../../src/domain/money';

const lot = (lotId: string, openDate: string, qty: string, unitCost: string): Lot => ({
  lotId,
  openDate,
  qty: dec(qty),
  unitCost: dec(unitCost),
});

describe('dates and holding period (docs/domain.md §7.2)', () => {
  test('bought 2025-03-15: ST on a 2026-03-15 sale, LT on 2026-03-16', () => {
    assert.equal(holdingTerm('2025-03-15', '2026-03-15'), 'ST');
    assert.equal(holdingTerm('2025-03-15', '2026-03-16'), 'LT');
    assert.equal(holdingTerm('2025-03-15', '2025-12-31'), 'ST');
  });
  test('Feb 29 purchase: anniversary on Feb 28 of the common year', () => {
    assert.equal(holdingTerm('2024-02-29', '2025-02-28'), 'ST');
    assert.equal(holdingTerm('2024-02-29', '2025-03-01'), 'LT');
  });
  test('day numbers are exact civil-day counts', () => {
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(daysBetween('2026-02-14', '2026-03-16'), 30);
    assert.equal(daysBetween('2024-02-28', '2024-03-01'), 2);
    assert.equal(addDays('2026-03-16', -30), '2026-02-14');
    assert.equal(addDays('2025-12-31', 1), '2026-01-01');
    assert.throws(() => dayNumber('2026-02-30'));
  });
});

describe('lot selection', () => {
  // Price 100 on 2026-03-16. L1 LT gain 40/sh, L2 ST loss 20/sh, L3 LT loss 10/sh, L4 ST gain 5/sh.
  const lots = [
    lot('L1', '2020-01-02', '10', '60'),
    lot('L2', '2026-01-05', '10', '120'),
    lot('L3', '2024-06-03', '10', '110'),
    lot('L4', '2025-12-01', '10', '95'),
  ];
  const ids = (r: ReturnType<typeof selectLots>) => r.lots.map((l) => `${l.lot.lotId}:${l.qty.toFixed()}`);

  test('FIFO takes the oldest first, the last lot partially', () => {
    const r = selectLots(lots, '15', 'FIFO', '100', '2026-03-16');
    assert.deepEqual(ids(r), ['L1:10', 'L3:5']);
    assert.equal(r.filled.toFixed(), '15');
    assert.equal(r.lots[0]!.gain.toFixed(), '400');
    assert.equal(r.lots[1]!.gain.toFixed(), '-50');
    assert.deepEqual(
      r.lots.map((l) => l.term),
      ['LT', 'LT'],
    );
  });
  test('LIFO takes the newest first', () => {
    assert.deepEqual(ids(selectLots(lots, '12.5', 'LIFO', '100', '2026-03-16')), ['L2:10', 'L4:2.5']);
  });
  test('HIFO takes the highest cost first', () => {
    assert.deepEqual(ids(selectLots(lots, '25', 'HIFO', '100', '2026-03-16')), ['L2:10', 'L3:10', 'L4:5']);
  });
  test('MIN_TAX: ST losses, LT losses, LT gains, then ST gains', () => {
    const r = selectLots(lots, '40', 'MIN_TAX', '100', '2026-03-16');
    assert.deepEqual(ids(r), ['L2:10', 'L3:10', 'L1:10', 'L4:10']);
    // SPEC_ID uses the same tax-aware order.
    assert.deepEqual(ids(selectLots(lots, '40', 'SPEC_ID', '100', '2026-03-16')), ids(r));
  });
  test('MIN_TAX prefers the smaller gain among LT gains', () => {
    const g = [lot('G1', '2020-01-02', '5', '50'), lot('G2', '2021-01-04', '5', '90')];
    assert.deepEqual(ids(selectLots(g, '5', 'MIN_TAX', '100', '2026-03-16')), ['G2:5']);
  });
  test('excluded lots are skipped and the shortfall reported', () => {
    const r = selectLots(lots, '40', 'FIFO', '100', '2026-03-16', { exclude: (l) => l.unitCost.gt(100) });
    assert.deepEqual(ids(r), ['L1:10', 'L4:10']);
    assert.equal(r.filled.toFixed(), '20');
  });
  test('tax estimate nets terms: ST 1,000 gain, LT 400 loss -> 600 × 37 % = 222.00', () => {
    const t = estimateTax(new Dec(1000), new Dec(-400), new Dec('0.37'), new Dec('0.20'));
    assert.equal(t.toFixed(2), '222.00');
    assert.equal(
      estimateTax(new Dec(-300), new Dec(1000), new Dec('0.37'), new Dec('0.20')).toFixed(2),
      '140.00',
    );
    assert.equal(
      estimateTax(new Dec(-300), new Dec(0), new Dec('0.37'), new Dec('0.20')).toFixed(2),
      '-111.00',
    );
  });
});

describe('wash sales (docs/domain.md §7.3)', () => {
  const sale = {
    accountId: 'TAX1',
    symbol: 'VTI',
    date: '2026-03-16',
    qty: dec('100'),
    loss: dec('1000'),
  };
  test('partial replacement through an IRA buy: 40 of 100 shares -> 40 % of the loss disallowed', () => {
    const r = washSaleConflicts(
      sale,
      [{ source: 'HOUSEHOLD_TRADE', accountId: 'IRA1', symbol: 'VTI', date: '2026-03-06', qty: dec('40') }],
      30,
    );
    assert.equal(r.matchedQty.toFixed(), '40');
    assert.equal(r.disallowedLoss.toFixed(2), '400.00');
    assert.equal(r.conflicts[0]!.accountId, 'IRA1');
  });
  test('the window is 30 days either side, inclusive', () => {
    const at = (date: string) =>
      washSaleConflicts(
        sale,
        [{ source: 'HOUSEHOLD_TRADE', accountId: 'IRA1', symbol: 'VTI', date, qty: dec('10') }],
        30,
      ).conflicts.length;
    assert.equal(at('2026-02-14'), 1); // 30 days before
    assert.equal(at('2026-02-13'), 0); // 31 days before
    assert.equal(at('2026-04-15'), 1); // 30 days after
    assert.equal(at('2026-04-16'), 0);
  });
  test('replacements are matched earliest first until the sale is covered', () => {
    const r = washSaleConflicts(
      sale,
      [
        { source: 'HOUSEHOLD_TRADE', accountId: 'B', symbol: 'VTI', date: '2026-03-10', qty: dec('80') },
        { source: 'HOUSEHOLD_TRADE', accountId: 'A', symbol: 'VTI', date: '2026-03-01', qty: dec('50') },
      ],
      30,
    );
    assert.deepEqual(
      r.conflicts.map((c) => [c.accountId, c.matchedQty, c.disallowedLoss]),
      [
        ['A', '50', '500.00'],
        ['B', '50', '500.00'],
      ],
    );
  });
  test('own purchases that are the very shares sold are not replacements', () => {
    const buy = {
      source: 'HOUSEHOLD_TRADE' as const,
      accountId: 'TAX1',
      symbol: 'VTI',
      date: '2026-03-01',
      qty: dec('30'),
    };
    const sold = washSaleConflicts(
      { ...sale, soldLots: [{ openDate: '2026-03-01', qty: dec('30') }] },
      [buy],
      30,
    );
    assert.equal(sold.conflicts.length, 0);
    const kept = washSaleConflicts(
      { ...sale, soldLots: [{ openDate: '2020-01-02', qty: dec('100') }] },
      [buy],
      30,
    );
    assert.equal(kept.disallowedLoss.toFixed(2), '300.00');
  });
  test('substantially identical groups and proposed buys of unknown size', () => {
    const identical = resolveConfig().identical;
    const r = washSaleConflicts(
      { ...sale, symbol: 'VOO' },
      [{ source: 'PROPOSED_BUY', accountId: 'IRA1', symbol: 'IVV', date: '2026-03-16', qty: null }],
      30,
      identical,
    );
    assert.equal(r.disallowedLoss.toFixed(2), '1000.00');
    assert.equal(
      washSaleConflicts(
        sale,
        [{ source: 'PROPOSED_BUY', accountId: 'IRA1', symbol: 'ITOT', date: '2026-03-16', qty: null }],
        30,
        identical,
      ).conflicts.length,
      0,
    );
  });
  test('no loss, no wash sale', () => {
    assert.equal(
      washSaleConflicts(
        { ...sale, loss: dec('0') },
        [{ source: 'PLAN_BUY', accountId: 'TAX1', symbol: 'VTI', date: '2026-03-16', qty: dec('1') }],
        30,
      ).conflicts.length,
      0,
    );
  });
});

describe('bands and drift', () => {
  const cfg = resolveConfig();
  test('5/25 rule: 5 pp for targets >= 20 %, 25 % relative below', () => {
    assert.equal(bandHalfWidth(dec('0.50'), cfg).toFixed(), '0.05');
    assert.equal(bandHalfWidth(dec('0.20'), cfg).toFixed(), '0.05');
    assert.equal(bandHalfWidth(dec('0.10'), cfg).toFixed(), '0.025');
    assert.equal(
      bandHalfWidth(dec('0.10'), resolveConfig({ bandRule: 'ABS', absBand: '0.03' })).toFixed(),
      '0.03',
    );
    assert.equal(
      bandHalfWidth(dec('0.40'), resolveConfig({ bandRule: 'REL', relBand: '0.10' })).toFixed(),
      '0.04',
    );
  });
  test('Tamarac examples: 50 % held at 45 % (abs 5, rel 10 %), 10 % held at 6 % (abs 4, rel 40 %)', () => {
    const rows = driftRows(
      [
        { symbol: 'X', target: '0.50', value: '45000' },
        { symbol: 'Y', target: '0.10', value: '6000' },
      ],
      '100000',
    );
    assert.deepEqual(
      rows.map((r) => [r.symbol, r.actual, r.absDev, r.relDev, r.band, r.breached]),
      [
        ['X', '0.450000', '-0.050000', '-0.100000', '0.050000', true],
        ['Y', '0.060000', '-0.040000', '-0.400000', '0.025000', true],
      ],
    );
  });
  test('a deviation equal to the band is a breach; zero deviation never is', () => {
    assert.equal(isBreached(dec('0.45'), dec('0.50'), dec('0.05')), true);
    assert.equal(isBreached(dec('0.4501'), dec('0.50'), dec('0.05')), false);
    assert.equal(isBreached(dec('0'), dec('0'), dec('0')), false);
    assert.equal(isBreached(dec('0.01'), dec('0'), dec('0')), true);
  });
  test('defaults match docs/domain.md §6–7', () => {
    assert.equal(DEFAULT_ENGINE_CONFIG.cashTarget, '0.02');
    assert.equal(DEFAULT_ENGINE_CONFIG.investExcessThreshold, '0.005');
    assert.equal(DEFAULT_ENGINE_CONFIG.minTradeUsd, '50');
    assert.equal(DEFAULT_ENGINE_CONFIG.minTradePct, '0.0025');
    assert.equal(DEFAULT_ENGINE_CONFIG.fullRebalanceCashFlowFraction, '0.10');
    assert.equal(DEFAULT_ENGINE_CONFIG.tlhMinLossPct, '0.05');
    assert.equal(DEFAULT_ENGINE_CONFIG.tlhMinLossUsd, '250');
    assert.equal(DEFAULT_ENGINE_CONFIG.washWindowDays, 30);
    assert.equal(DEFAULT_ENGINE_CONFIG.improvementPct, '0.50');
    assert.throws(() => resolveConfig({ cashTarget: '1.5' }));
    assert.throws(() => resolveConfig({ minTradeUsd: '12,5' }));
  });
  test('spread: pro rata to the first rooms, then the second', () => {
    const r = spread(dec('300'), [dec('100'), dec('300')], [dec('0'), dec('0')]);
    assert.deepEqual(
      r.map((x) => x.toFixed()),
      ['75', '225'],
    );
    const r2 = spread(dec('500'), [dec('100'), dec('300')], [dec('50'), dec('150')]);
    assert.deepEqual(
      r2.map((x) => x.toFixed()),
      ['125', '375'],
    );
    const r3 = spread(dec('1000'), [dec('100')], [dec('50')]);
    assert.deepEqual(
      r3.map((x) => x.toFixed()),
      ['150'],
    );
  });
});

describe('string pre-checks', () => {
  test('decStrGreater compares plain decimals without parsing', () => {
    assert.equal(decStrGreater('100.5', '100.49'), true);
    assert.equal(decStrGreater('100.50', '100.5'), false);
    assert.equal(decStrGreater('0099', '100'), false);
    assert.equal(decStrGreater('1000', '999.99'), true);
    assert.equal(decStrGreater('-1', '2'), null);
  });
});
