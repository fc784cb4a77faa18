/**
 * Buys scaled to cash (src/domain/block-pricing.ts, docs/domain.md §8.6): an account short of cash
 * spends what it has less the price buffer, so fills above the estimate (the last close) do not take
 * it below zero; an account that is not short is not scaled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUY_SCALE_PRICE_BUFFER, buyScaleFactors, scaledBuyQty } from '../../src/domain/block-pricing';
import { dec } from '../../src/domain/money';

// The demo day's ACC012: SGOV sale still open at the deadline, its other sales allocated.
const short = {
  accountId: 'ACC012',
  plannedBuy: dec('58488.36'),
  plannedSell: dec('58488.37'),
  sellProceeds: dec('33368.34'),
  cash: dec('6579.12'),
  pendingOut: dec('0'),
};

describe('buys scaled to cash', () => {
  it('an account short of cash spends what it has less the buffer, and stays above zero at fills 1% up', () => {
    const f = buyScaleFactors([short]).get('ACC012')!;
    const available = short.cash.plus(short.sellProceeds);
    assert.equal(
      f.toFixed(6),
      available.times(dec('1').minus(BUY_SCALE_PRICE_BUFFER)).div(short.plannedBuy).toFixed(6),
    );
    // The three buys at their estimated prices, filled 1% higher.
    const legs = [
      { qty: '249.33986', est: '99.08' },
      { qty: '159.45269', est: '126.12' },
      { qty: '199.64378', est: '68.49' },
    ];
    const spent = legs.reduce(
      (sum, l) => sum.plus(scaledBuyQty(dec(l.qty), f, dec('0.00001')).times(dec(l.est).times('1.01'))),
      dec('0'),
    );
    assert.ok(available.minus(spent).gt(0), `cash after fills: ${available.minus(spent).toFixed(2)}`);
  });

  it('an account that is not short, or whose sells all came in, is not scaled', () => {
    assert.equal(buyScaleFactors([{ ...short, cash: dec('30000') }]).size, 0);
    assert.equal(buyScaleFactors([{ ...short, sellProceeds: short.plannedSell }]).size, 0);
    assert.equal(
      buyScaleFactors([{ ...short, cash: dec('-40000') }])
        .get('ACC012')!
        .toString(),
      '0',
    );
  });
});
