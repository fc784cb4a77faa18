/**
 * A closed AccountDay whose trading the book finishes (ended `Traded` since v8, `Approved` since
 * v9 `batch-books-fills`) is counted as the book says (src/metrics/book-stage.ts): the mapping as
 * a pure function, and the one query that reads the book for a set of accounts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemoData } from '../../src/demo/seed';
import { bookRows, stageByBook, stagesByBook } from '../../src/metrics/book-stage';
import { type TestDb, createTestDb } from '../support/db';

const none = { matched: false, broken: false };

describe('stageByBook', () => {
  it('a day ended Approved: as its proposal stands', () => {
    const cases: [string, string][] = [
      ['APPROVED', 'Approved'],
      ['RELEASED', 'Trading'],
      ['EXECUTED', 'Traded'],
      ['PARTIALLY_EXECUTED', 'Traded'],
      ['FAILED', 'NotTraded'],
      ['EXPIRED', 'Skipped'],
    ];
    for (const [status, stage] of cases)
      assert.equal(stageByBook('Approved', { status, ...none }), stage, status);
  });

  it('matched confirms: Confirmed, or ConfirmBreak when one is broken (either way it ended)', () => {
    for (const ended of ['Approved', 'Traded'] as const) {
      assert.equal(stageByBook(ended, { status: 'EXECUTED', matched: true, broken: false }), 'Confirmed');
      assert.equal(
        stageByBook(ended, { status: 'PARTIALLY_EXECUTED', matched: true, broken: true }),
        'ConfirmBreak',
      );
    }
  });

  it('a day ended Traded (v8) stays Traded until matched, whatever the status says', () => {
    assert.equal(stageByBook('Traded', { status: 'EXECUTED', ...none }), 'Traded');
    assert.equal(stageByBook('Traded', undefined), 'Traded');
  });

  it('no proposal row, or a status the mapping does not know: as the day ended', () => {
    assert.equal(stageByBook('Approved', undefined), 'Approved');
    assert.equal(stageByBook('Approved', { status: null, ...none }), 'Approved');
    assert.equal(stageByBook('Approved', { status: 'PENDING_APPROVAL', ...none }), 'Approved');
  });
});

describe('bookRows / stagesByBook against the book', () => {
  const date = '2026-12-15';
  let t: TestDb;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: '2026-12-01' });
    const proposal = (n: number, status: string) => ({
      id: `P20261215-ACC00${n}`,
      account_id: `ACC00${n}`,
      trade_date: date,
      status,
      model_id: 'M6040',
      model_version: 1,
      reasons: '[]',
      plan: '{}',
      expires_at: '2026-12-15T16:45:00Z',
    });
    await t
      .db('proposals')
      .insert([
        proposal(1, 'APPROVED'),
        proposal(2, 'RELEASED'),
        proposal(3, 'EXECUTED'),
        proposal(4, 'PARTIALLY_EXECUTED'),
        proposal(5, 'FAILED'),
        proposal(6, 'EXPIRED'),
        proposal(7, 'EXECUTED'),
      ]);
    const match = (account: string, order: string, result: string, tradeDate = date) => ({
      trade_date: tradeDate,
      account_id: account,
      client_order_id: order,
      custodian_order_id: `SIM-${order}`,
      result,
    });
    await t.db('confirm_matches').insert([
      match('ACC003', 'o1', 'MATCHED'),
      match('ACC003', 'o2', 'MATCHED_WITHIN_TOLERANCE'),
      match('ACC004', 'o3', 'MATCHED'),
      match('ACC004', 'o4', 'MISMATCHED'),
      // Another date's match is not this one's.
      match('ACC007', 'o5', 'MATCHED', '2026-12-14'),
    ]);
  });
  after(() => t.drop());

  it('reads each account once, with its status and its matching of that date', async () => {
    const rows = await bookRows(t.db, date, ['ACC001', 'ACC003', 'ACC004', 'ACC007', 'NOPE']);
    const by = new Map(rows.map((r) => [r.accountId, r]));
    assert.equal(rows.length, 5);
    assert.deepEqual(by.get('ACC001'), {
      accountId: 'ACC001',
      status: 'APPROVED',
      matched: false,
      broken: false,
    });
    assert.deepEqual(by.get('ACC003'), {
      accountId: 'ACC003',
      status: 'EXECUTED',
      matched: true,
      broken: false,
    });
    assert.deepEqual(by.get('ACC004'), {
      accountId: 'ACC004',
      status: 'PARTIALLY_EXECUTED',
      matched: true,
      broken: true,
    });
    assert.deepEqual(by.get('ACC007'), {
      accountId: 'ACC007',
      status: 'EXECUTED',
      matched: false,
      broken: false,
    });
    assert.deepEqual(by.get('NOPE'), { accountId: 'NOPE', status: null, matched: false, broken: false });
    assert.deepEqual(await bookRows(t.db, date, []), []);
  });

  it('maps the Approved-ended and Traded-ended accounts of a day by the book', async () => {
    const stages = await stagesByBook(t.db, date, [
      ...[1, 2, 3, 4, 5, 6].map((n) => ({ accountId: `ACC00${n}`, stage: 'Approved' as const })),
      { accountId: 'ACC007', stage: 'Traded' as const },
    ]);
    assert.deepEqual(Object.fromEntries(stages), {
      ACC001: 'Approved',
      ACC002: 'Trading',
      ACC003: 'Confirmed',
      ACC004: 'ConfirmBreak',
      ACC005: 'NotTraded',
      ACC006: 'Skipped',
      ACC007: 'Traded',
    });
  });
});
