/**
 * The wash-sale rule across a household on one day (src/activities/proposals.ts, snapshot.ts): an
 * account's snapshot carries the other accounts' proposed sales at a loss today (a buy of the same
 * security would wash them), a rejected proposal's do not count, and the accounts of a household are
 * planned one at a time (an advisory lock), so the second planned sees the first's proposal. The
 * soak found the race: two accounts of one household planned side by side, one selling BND at a
 * loss and the other buying BND the same day.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ActivityDeps, createActivities } from '../../src/activities';
import { householdLock } from '../../src/activities/proposals';
import { loadSnapshot } from '../../src/activities/snapshot';
import type { CustodianPort } from '../../src/custodian/port';
import { seedDemoData } from '../../src/demo/seed';
import { type TestDb, createTestDb } from '../support/db';

const D = '2026-12-01';

describe('wash sales across a household on one day', () => {
  let t: TestDb;
  let acts: ReturnType<typeof createActivities>;
  let seller: string;
  let buyer: string;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: D });
    const deps: ActivityDeps = {
      db: t.db,
      custodian: {} as unknown as CustodianPort,
      dropDir: '/nonexistent',
      correspondent: 'ZOE',
    };
    acts = createActivities(deps);
    const pair = (
      await t.db.raw(
        `SELECT array_agg(id ORDER BY id) AS ids FROM accounts WHERE status = 'ACTIVE'
          GROUP BY household_id HAVING count(*) >= 2 ORDER BY 1 LIMIT 1`,
      )
    ).rows[0].ids as string[];
    [seller, buyer] = pair as [string, string];
  });
  after(async () => {
    await t?.drop();
  });

  const proposeSale = async (status: string, estGain: string) => {
    const id = `P-TEST-${seller}`;
    await t.db('proposal_legs').where({ proposal_id: id }).delete();
    await t.db('proposals').where({ id }).delete();
    await t.db('proposals').insert({
      id,
      account_id: seller,
      trade_date: D,
      version: 1,
      status,
      model_id: 'M6040',
      model_version: 1,
      reasons: '[]',
      plan: '{}',
      expires_at: `${D}T16:45:00Z`,
    });
    await t.db('proposal_legs').insert({
      proposal_id: id,
      leg_no: 1,
      symbol: 'BND',
      side: 'SELL',
      qty: '10.00000',
      est_price: '72.00',
      est_notional: '720.00',
      reasons: '[]',
      lots: JSON.stringify([
        { lotId: 'X1', qty: '6', unitCost: '80', openDate: '2025-01-02', term: 'LT', estGain },
        { lotId: 'X2', qty: '4', unitCost: '60', openDate: '2024-01-02', term: 'LT', estGain: '48.00' },
      ]),
    });
  };

  it("another account's proposed sale at a loss today is in the snapshot, as a loss sale of today", async () => {
    await proposeSale('PENDING_APPROVAL', '-48.00');
    const snap = await loadSnapshot(t.db, D, buyer);
    const sale = snap.household.recentTrades.find((x) => x.accountId === seller && x.side === 'SELL');
    assert.deepEqual(sale, {
      accountId: seller,
      symbol: 'BND',
      side: 'SELL',
      date: D,
      qty: '10.00000',
      realizedLoss: '48.00',
    });
  });

  it('a rejected proposal, or a sale at a gain, is not', async () => {
    await proposeSale('REJECTED', '-48.00');
    let snap = await loadSnapshot(t.db, D, buyer);
    assert.equal(snap.household.recentTrades.filter((x) => x.accountId === seller).length, 0);
    await proposeSale('APPROVED', '12.00');
    snap = await loadSnapshot(t.db, D, buyer);
    assert.equal(snap.household.recentTrades.filter((x) => x.accountId === seller).length, 0);
  });

  it('the accounts of a household are planned one at a time', async () => {
    const household = (await t.db('accounts').where({ id: buyer }).first('household_id')).household_id;
    const held = await t.db.transaction();
    try {
      await held.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [householdLock(household)]);
      let done = false;
      const planning = acts
        .proposeTrades({ tradeDate: D, accountId: buyer, expiresAt: `${D}T16:45:00Z` })
        .then((r) => {
          done = true;
          return r;
        });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(done, false, 'planning waits while another account of the household is planned');
      await held.commit();
      const r = await planning;
      assert.equal(done, true);
      assert.ok(r.action === 'NONE' || r.action === 'TRADE');
    } finally {
      if (!held.isCompleted()) await held.rollback();
    }
  });
});
