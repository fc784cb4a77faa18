import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS_DIR } from '../../src/db/knex';
import { type TestDb, createTestDb } from '../support/db';

const BOOK_TABLES = [
  'advisors',
  'households',
  'accounts',
  'models',
  'model_targets',
  'securities',
  'prices',
  'positions',
  'tax_lots',
  'cash_balances',
  'cash_flows',
  'proposals',
  'proposal_legs',
  'approvals',
  'orders',
  'executions',
  'allocations',
  'confirm_matches',
  'breaks',
  'audit_log',
  'api_tokens',
  'notifications',
];
const MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.ts')).length;

async function tables(t: TestDb, schema: string): Promise<string[]> {
  const rows = await t.db('information_schema.tables').where({ table_schema: schema }).select('table_name');
  return rows.map((r: { table_name: string }) => r.table_name).sort();
}

describe('migrations on a fresh embedded PostgreSQL', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb({ migrate: false });
  });
  after(async () => t?.drop());

  it('go up: every book table and the simulator schema exist', async () => {
    assert.deepEqual(await tables(t, 'public'), []);
    const [, applied] = (await t.db.migrate.latest()) as [number, string[]];
    assert.equal(applied.length, MIGRATIONS);
    const pub = await tables(t, 'public');
    for (const table of BOOK_TABLES) assert.ok(pub.includes(table), `missing table ${table}`);
    assert.ok((await tables(t, 'sim')).includes('orders'));
  });

  it('keep the audit log append-only', async () => {
    await t.db('audit_log').insert({ actor: 'test', action: 'x', entity: 'e', entity_id: '1' });
    await assert.rejects(t.db('audit_log').update({ actor: 'changed' }), /append-only/);
    await assert.rejects(t.db('audit_log').del(), /append-only/);
  });

  it("read a proposal's orders through an index, not a scan of every order", async () => {
    // With sequential scans priced out, the planner still scans when no index serves the filter.
    const plan = await t.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off');
      const r = await trx.raw("EXPLAIN SELECT * FROM orders WHERE proposal_id = 'P20261124-ACC001'");
      return r.rows.map((x: { 'QUERY PLAN': string }) => x['QUERY PLAN']).join('\n');
    });
    assert.match(plan, /orders_proposal_id_idx/, plan);
  });

  it('go down to nothing and up again', async () => {
    await t.db.migrate.rollback(undefined, true);
    assert.deepEqual(await tables(t, 'public'), ['knex_migrations', 'knex_migrations_lock']);
    assert.deepEqual(await tables(t, 'sim'), []);
    const [, applied] = (await t.db.migrate.latest()) as [number, string[]];
    assert.equal(applied.length, MIGRATIONS);
  });
});
