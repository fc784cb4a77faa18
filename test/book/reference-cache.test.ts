/**
 * The reference cache (src/book/reference-cache.ts) against a real database: reads shared while
 * the reference tables do not change, read afresh once any of them is written, kept per database,
 * frozen, and a failed read not kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REFERENCE_TABLES } from '../../migrations/20261204000100_reference_generation';
import { REFERENCE_TABLES_ADDED } from '../../migrations/20261204000200_reference_models';
import { referenceOf } from '../../src/book/reference-cache';
import { type TestDb, createTestDb } from '../support/db';

describe('reference cache', () => {
  let a: TestDb;
  let b: TestDb;
  before(async () => {
    [a, b] = await Promise.all([createTestDb(), createTestDb()]);
  });
  after(async () => Promise.all([a?.drop(), b?.drop()]));

  const counting = () => {
    let n = 0;
    return {
      load: async () => {
        n++;
        return { symbols: ['VTI', 'BND'] };
      },
      get count() {
        return n;
      },
    };
  };

  it('reads once while nothing changes, and afresh after a write to the securities', async () => {
    const c = counting();
    const first = await (await referenceOf(a.db)).get('k', c.load);
    const again = await (await referenceOf(a.db)).get('k', c.load);
    assert.equal(c.count, 1);
    assert.equal(again, first, 'the same object: one read shared');
    await a
      .db('securities')
      .insert({ symbol: 'ZZZ', cusip: '000000ZZZ', asset_class: 'EQUITY', description: 'a new security' });
    await (await referenceOf(a.db)).get('k', c.load);
    assert.equal(c.count, 2, 'a new security: read again');
  });

  it('moves on with a write to every reference table, rows or not', async () => {
    for (const t of [...REFERENCE_TABLES, ...REFERENCE_TABLES_ADDED]) {
      const before: { generation: string } = await a.db('reference_generation').first('generation');
      await a.db.raw(`DELETE FROM ${t} WHERE false`);
      const after: { generation: string } = await a.db('reference_generation').first('generation');
      assert.ok(BigInt(after.generation) > BigInt(before.generation), `${t} moves the generation`);
    }
  });

  it('keeps one store per database, and inside a transaction reads on it', async () => {
    const c = counting();
    await (await referenceOf(a.db)).get('per-db', c.load);
    await (await referenceOf(b.db)).get('per-db', c.load);
    assert.equal(c.count, 2, 'the other database reads its own');
    await a.db.transaction(async (trx) => {
      await (await referenceOf(trx)).get('per-db', c.load);
    });
    assert.equal(c.count, 2, "a transaction shares its database's store");
  });

  it('freezes what it keeps and does not keep a failed read', async () => {
    const kept = await (await referenceOf(a.db)).get('frozen', async () => ({ list: [{ x: 1 }] }));
    assert.throws(() => {
      (kept.list as { x: number }[]).push({ x: 2 });
    }, TypeError);
    let tries = 0;
    const failing = async () => {
      tries++;
      if (tries === 1) throw new Error('connection lost');
      return 'ok';
    };
    await assert.rejects((await referenceOf(a.db)).get('flaky', failing), /connection lost/);
    assert.equal(await (await referenceOf(a.db)).get('flaky', failing), 'ok');
    assert.equal(tries, 2);
  });

  it('keeps what it read under the newest generation when an older one answers late', async () => {
    // A database whose counter this test sets: two activities' reads of it answer out of order.
    let generation = 7;
    const fake = Object.assign(
      () => ({ where: () => ({ first: async () => ({ generation: String(generation) }) }) }),
      { client: { config: {} } },
    ) as unknown as Parameters<typeof referenceOf>[0];
    const c = counting();
    const newer = await referenceOf(fake);
    await newer.get('k', c.load);
    generation = 6; // an older answer, late
    const older = await referenceOf(fake);
    await older.get('k', c.load);
    assert.equal(c.count, 2, 'the late reader reads for itself');
    generation = 7;
    await (await referenceOf(fake)).get('k', c.load);
    assert.equal(c.count, 2, 'what was kept under 7 is still kept');
  });
});
