/**
 * The book's configuration as the trading days see it, on the time-skipping server:
 *
 * - onboarding from CSV: a new account (accounts.csv, positions.csv, cash.csv, imported through
 *   `book import`, dry run then `--apply`) reconciles and trades on its first trading day, on
 *   its model (MODEL_CHANGE "first trade on model");
 * - a model change through the API: a version of M6040 published after day 1's scan applies
 *   from day 2 (the answer says so); on day 2 every account on M6040 rebalances fully to the new
 *   targets (MODEL_CHANGE), the accounts on the other models do not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { buildApiApp } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { runBookCommand } from '../../src/cli/book';
import { mirrorBookToSimulator } from '../../src/demo/simulator-book';
import { nextTradingDay } from '../../src/domain/calendar';
import type { EnginePlan } from '../../src/domain/engine/types';
import { dec } from '../../src/domain/money';
import { type DayFixture, runDayFor, runDayOnFreshServer, timeSkippingDay } from '../support/harness';

/** Auto accounts of the demo book: M6040 (ACC001, ACC007), M3070 (ACC003, ACC009), M8020 (ACC005). */
const ON_CHANGED_MODEL = ['ACC001', 'ACC007'];
const ON_OTHER_MODELS = ['ACC003', 'ACC005', 'ACC009'];
const NEW_ACCOUNT = 'ACC900';
const V2 = { VTI: '0.45', VXUS: '0.15', BND: '0.40' };

describe('book changes reach the trading days', () => {
  let day: DayFixture;
  let tradeDate: string;
  let nextDay: string;
  const taskQueue = 'book-changes';

  before(async () => {
    day = await timeSkippingDay(taskQueue);
    tradeDate = day.tradeDate;
    nextDay = nextTradingDay(tradeDate);
  });
  after(async () => day?.close());

  const proposal = async (date: string, accountId: string) =>
    day.stack.t.db('proposals').where({ trade_date: date, account_id: accountId }).first();
  const codes = (p: { reasons: { code: string }[] } | undefined) => (p?.reasons ?? []).map((r) => r.code);

  it('a new account from CSV trades on its first day; a model published through the API rebalances its accounts fully the next day, and only those', async () => {
    const db = day.stack.t.db;
    const run = (...argv: string[]) => {
      const out: string[] = [];
      return runBookCommand({ db, today: () => tradeDate }, argv, {
        out: (l) => out.push(l),
        err: (l) => out.push(l),
      }).then((code) => ({ code, out: out.join('\n') }));
    };

    // Onboarding from CSV: the firm's files for one new account.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onboard-'));
    writeFileSync(path.join(dir, 'households.csv'), 'household_id,name\nHH900,The new clients\n');
    writeFileSync(
      path.join(dir, 'accounts.csv'),
      'account_id,custodian_account_number,name,advisor_id,household_id,registration,model_id,mode\n' +
        `${NEW_ACCOUNT},3ZO00900,Okafor new client,ADV-BEN,HH900,ROTH,M8020,AUTO\n`,
    );
    writeFileSync(
      path.join(dir, 'positions.csv'),
      'account_id,symbol,lot_id,open_date,quantity,unit_cost\n' +
        `${NEW_ACCOUNT},BND,LOT-900-1,2025-02-03,400,71.10\n${NEW_ACCOUNT},VTI,LOT-900-2,2025-05-01,20,250.00\n`,
    );
    writeFileSync(path.join(dir, 'cash.csv'), `account_id,cash\n${NEW_ACCOUNT},20000.00\n`);
    const dry = await run('book', 'import', dir);
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /accounts: 1 created/);
    assert.equal(
      await db('accounts').where({ id: NEW_ACCOUNT }).first(),
      undefined,
      'the dry run wrote nothing',
    );
    const applied = await run('book', 'import', dir, '--apply', '--by', 'onboarding-desk');
    assert.equal(applied.code, 0, applied.out);
    assert.equal((await db('accounts').where({ id: NEW_ACCOUNT }).first()).status, 'ACTIVE');
    // The custodian holds the account already (the simulator is told; a real custodian has it).
    await mirrorBookToSimulator(db, { averagePriceAccount: 'ZOEAVG01', accountIds: [NEW_ACCOUNT] });

    const day1 = await runDayFor(day.env, taskQueue, tradeDate, [
      ...ON_CHANGED_MODEL,
      ...ON_OTHER_MODELS,
      NEW_ACCOUNT,
    ]);
    assert.equal(day1.status, 'COMPLETED');
    assert.deepEqual(day1.failedAccounts, []);
    const first = await proposal(tradeDate, NEW_ACCOUNT);
    assert.ok(first, 'the new account proposed trades on its first day');
    assert.ok(codes(first).includes('MODEL_CHANGE'), JSON.stringify(first.reasons));
    assert.equal((first.plan as EnginePlan).mode, 'FULL');
    const bought = await db('orders').where({ trade_date: tradeDate, account_id: NEW_ACCOUNT });
    assert.ok(bought.length > 0 && bought.every((o: { filled_qty: string }) => dec(o.filled_qty).gt(0)));
    assert.equal(
      await db('breaks').where({ account_id: NEW_ACCOUNT }).first(),
      undefined,
      'it reconciled: the book and the custodian agree',
    );

    // After day 1's scan, ops publish M6040 v2 through the API.
    const app = buildApiApp({
      db,
      client: {} as Client,
      today: () => tradeDate,
      authFailureLimit: { max: 10_000, windowMs: 60_000 },
      limits: { requestRate: { max: 1_000_000, windowMs: 60_000 } },
      logError: (m, e) => console.error(m, e),
    });
    await app.ready();
    try {
      const ops = (await createAdvisorToken(db, { role: 'ops', label: 'desk' })).token;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/models/M6040/versions',
        headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          targets: Object.entries(V2).map(([symbol, weight]) => ({ symbol, weight })),
          note: 'more equity',
        }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = JSON.parse(res.body);
      assert.equal(body.model.currentVersion, 2);
      // Day 1 scanned two of M6040's seven accounts: they see v2 tomorrow, the other five today.
      assert.deepEqual(body.effect.scannedToday, ON_CHANGED_MODEL);
      assert.equal(body.effect.appliesFrom, tradeDate);
      assert.match(body.effect.detail, new RegExp(`2 of 7 accounts were scanned today .*from ${nextDay}`));
    } finally {
      await app.close();
    }
    const audit = await db('audit_log')
      .where({ entity: 'model', entity_id: 'M6040', action: 'MODEL_VERSION_PUBLISHED' })
      .first();
    assert.ok(audit, 'the change is in the audit log');
    assert.equal(audit.actor, 'ops:desk');

    const day2 = await runDayOnFreshServer(day.stack, `${taskQueue}-2`, nextDay, [
      ...ON_CHANGED_MODEL,
      ...ON_OTHER_MODELS,
    ]);
    assert.equal(day2.status, 'COMPLETED');
    assert.deepEqual(day2.failedAccounts, []);
    for (const id of ON_CHANGED_MODEL) {
      const p = await proposal(nextDay, id);
      assert.ok(p, `${id} trades on the new version`);
      assert.equal(p.model_version, 2);
      const change = p.reasons.find((r: { code: string }) => r.code === 'MODEL_CHANGE');
      assert.ok(change, `${id}: ${JSON.stringify(p.reasons)}`);
      assert.match(change.message, /from v1 to v2/);
      const plan = p.plan as EnginePlan;
      assert.equal(plan.mode, 'FULL', `${id} rebalances fully`);
      for (const [symbol, target] of Object.entries(V2)) {
        const w = dec(plan.after.sleeveWeights[symbol] ?? '0');
        assert.ok(w.minus(target).abs().lt('0.01'), `${id} ${symbol} ends at ${w}, the target ${target}`);
      }
      const orders = await db('orders').where({ trade_date: nextDay, account_id: id });
      assert.ok(
        orders.some((o: { filled_qty: string }) => dec(o.filled_qty).gt(0)),
        `${id} traded: ${JSON.stringify({ byStage: day2.byStage, status: p.status })}`,
      );
    }
    for (const id of ON_OTHER_MODELS) {
      const p = await proposal(nextDay, id);
      assert.ok(
        !codes(p).includes('MODEL_CHANGE'),
        `${id} is on another model: ${JSON.stringify(p?.reasons)}`,
      );
      if (p) assert.equal((p.plan as EnginePlan).mode, 'TO_BAND');
    }
  });
});
