/** What `approve` / `reject` say for an account whose day has ended, from its status query. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endedDayMessage } from '../../src/cli/ended-day';

const base = { accountId: 'ACC002', tradeDate: '2026-12-03', stage: 'Traded' as const };
const proposal = { id: 'P20261203-ACC002', version: 1, legs: 2, reasons: [], notional: '100.00', flags: [] };
const at = '2026-12-03T15:00:00Z';

describe('approve / reject on an ended day', () => {
  it('says the decision already taken: the same one is nothing to do, the other cannot be taken', () => {
    const s = {
      ...base,
      proposal,
      decision: { decision: 'APPROVED' as const, by: 'ADV-BEN', via: 'update', at },
    };
    assert.equal(
      endedDayMessage('approve', s),
      `ACC002's day of 2026-12-03 has ended (stage Traded): proposal P20261203-ACC002 was approved by ADV-BEN at ${at} already; nothing to do`,
    );
    assert.match(endedDayMessage('reject', s), /was approved by ADV-BEN .*; it cannot be rejected now$/);
  });

  it('says an expired proposal expired, and a day without a proposal had none', () => {
    const expired = {
      ...base,
      stage: 'Expired' as const,
      proposal,
      decision: {
        decision: 'EXPIRED' as const,
        by: 'system',
        via: 'timer',
        at,
        note: 'not approved by the cut-off',
      },
    };
    assert.match(
      endedDayMessage('approve', expired),
      /\(stage Expired\): proposal P20261203-ACC002 expired \(not approved by the cut-off\)$/,
    );
    assert.match(
      endedDayMessage('reject', { ...base, stage: 'NoAction' as const }),
      /had no proposal to reject$/,
    );
  });
});
