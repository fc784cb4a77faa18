/**
 * A whole day with its mail and its report, on the time-skipping server, a real SMTP server
 * in-process (the sink) reading what was sent, the API, and the day report page in headless
 * Chromium (Debian's /usr/bin/chromium; the page part is skipped, with the reason, without it):
 * - the advisor gets the proposal mail (its legs, the cut-off, a working link to the advisor page),
 *   the trader the flagged-trade mail, ops the reconciliation digest and the day's summary, the
 *   other advisor the expired proposal; an approved trade in a halted symbol gives its advisor a mail
 *   that says what is carried (the quantities the book has);
 * - the report (API, page) shows the day: the chart marks carry their figures, checked against the
 *   database (filled notional by symbol and side, end-of-day stages, drift before and after);
 *   an advisor sees only their accounts; the CSV export has the book's orders. Screenshot in
 *   test-results/day-report.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { BrowserContext } from 'playwright-core';
import { type RunningApi, startApiServer } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { ROOT_DIR } from '../../src/config';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { cashStr, dec } from '../../src/domain/money';
import type { DayReport } from '../../src/report/day-report';
import { pp } from '../../src/report/drift';
import { accountDayWorkflowId, tradingDayWorkflowId } from '../../src/workflows/ids';
import { approveUpdate, statusQuery, zoeReviewUpdate } from '../../src/workflows/messages';
import type { TradingDayResult } from '../../src/workflows/types';
import { type Stack, skipToEt, startStack, workerFor } from '../support/harness';
import { type TestMail, mailFor } from '../support/mail';
import { timeSkippingEnv } from '../support/temporal';

const QUEUE = 'day-report-test';
const API_URL = 'http://advisor.test';
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(ROOT_DIR, 'test-results');
const ACCOUNTS = ['ACC001', 'ACC002', 'ACC004', 'ACC011'];

async function waitForStage(env: TestWorkflowEnvironment, workflowId: string, stage: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await env.client.workflow
      .getHandle(workflowId)
      .query(statusQuery)
      .catch(() => undefined);
    if (s?.stage === stage) return;
    if (Date.now() > deadline) throw new Error(`${workflowId} never reached ${stage}; last ${s?.stage}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a day with its mail and its report', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let mail: TestMail;
  let worker: Worker;
  let run: Promise<void>;
  let api: RunningApi;
  let tradeDate: string;
  let result: TradingDayResult;
  let halted: string;

  before(async () => {
    env = await timeSkippingEnv();
    tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    stack = await startStack({ asOf: tradeDate });
    mail = await mailFor(stack, { apiUrl: API_URL });
    // Every auto account's proposal goes to a trader (the flagged-trade mail).
    stack.deps.policy = { autoReviewMaxLegUsd: '1' };
    worker = await workerFor(env, stack, QUEUE);
    run = worker.run();
  });
  after(async () => {
    await api?.close();
    await mail?.close();
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('runs the day: an approval, a trader review, an expiry, a recon break, a halted symbol', async () => {
    await skipToEt(env, tradeDate, '06:30');
    const handle = await env.client.workflow.start('DailyTradingDay', {
      taskQueue: QUEUE,
      workflowId: tradingDayWorkflowId(tradeDate),
      args: [{ tradeDate, accountIds: ACCOUNTS, fillPollSeconds: 300 }],
    });
    const wf = (a: string) => env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, a));
    await waitForStage(env, accountDayWorkflowId(tradeDate, 'ACC002'), 'AwaitingApproval');
    await waitForStage(env, accountDayWorkflowId(tradeDate, 'ACC004'), 'AwaitingApproval');
    await waitForStage(env, accountDayWorkflowId(tradeDate, 'ACC001'), 'AwaitingZoeReview');
    await waitForStage(env, accountDayWorkflowId(tradeDate, 'ACC011'), 'ReconBreak');
    const p2 = (await wf('ACC002').query(statusQuery)).proposal!;
    await wf('ACC002').executeUpdate(approveUpdate, { args: [{ proposalId: p2.id, advisorId: 'ADV-BEN' }] });
    const p1 = (await wf('ACC001').query(statusQuery)).proposal!;
    await wf('ACC001').executeUpdate(zoeReviewUpdate, {
      args: [{ proposalId: p1.id, trader: 'trader:test', decision: 'APPROVE', note: 'checked' }],
    });
    // ACC004 is left to expire at the cut-off. One of ACC002's symbols halts for the whole window.
    const legs = await stack.t.db('proposal_legs').where({ proposal_id: p2.id }).orderBy('leg_no');
    halted = legs[0].symbol;
    await stack.sim.sim.setHalt({ symbol: halted, reason: 'LULD' });
    result = await handle.result();
    assert.equal(result.status, 'COMPLETED');
    // The dispatcher has sent everything due (the reminders are due at real-clock times: not yet).
    await mail.drained();
  });

  const mailOf = (kind: string, to: string) => mail.of(kind, to);

  it('mails the advisor the proposal with a working link, the trader the flagged trade, ops the digest and summary', async () => {
    const [proposal] = mailOf('ADVISOR_APPROVAL_NEEDED', 'ben.okafor@example.com');
    assert.ok(proposal, 'the proposal mail to ADV-BEN');
    const pId = `P${tradeDate.replaceAll('-', '')}-ACC002`;
    assert.match(proposal.subject, /^ACC002: a proposal awaits your approval by /);
    const html = String(proposal.parsed.html);
    const legs = await stack.t.db('proposal_legs').where({ proposal_id: pId });
    assert.equal((html.match(/<tr>/g) ?? []).length, legs.length + 1, 'the legs, as on the advisor page');
    const link = `${API_URL}/#proposal=${pId}`;
    assert.ok(html.includes(`href="${link}"`) && (proposal.parsed.text ?? '').includes(link));
    // The link works: the API serves the advisor page at / and the proposal it names.
    api = await startApiServer({ db: stack.t.db, client: env.client, port: 0, today: () => tradeDate });
    const page = await fetch(link.replace(API_URL, api.url));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Zoe/);
    const { token } = await createAdvisorToken(stack.t.db, { advisorId: 'ADV-BEN', label: 'mail link' });
    const named = await fetch(`${api.url}/api/v1/proposals/${pId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(named.status, 200);

    const [review] = mailOf('TRADER_REVIEW_NEEDED', 'trading@zoe.test');
    assert.ok(review, 'the flagged-trade mail to trading');
    assert.match(review.subject, /ACC001/);
    const [digest] = mailOf('OPS_RECON_DIGEST', 'ops@zoe.test');
    assert.ok(digest, 'the reconciliation digest');
    assert.match(digest.parsed.text ?? '', /ACC011/);
    const [summary] = mailOf('OPS_DAY_SUMMARY', 'ops@zoe.test');
    assert.ok(summary, 'the day summary');
    assert.match(summary.subject, new RegExp(`Day ${tradeDate} completed: ${result.accounts} accounts`));
    assert.ok(
      String(summary.parsed.html).includes(`${API_URL}/report?date=${tradeDate}`),
      'links the day report',
    );
    const [expired] = mailOf('ADVISOR_PROPOSAL_EXPIRED', 'ana.reyes@example.com');
    assert.ok(expired, 'the expired proposal to ADV-ANA');
    assert.match(expired.subject, /ACC004/);
  });

  it('an approved trade that did not fill: the advisor hears what is carried, as the book has it', async () => {
    const pId = `P${tradeDate.replaceAll('-', '')}-ACC002`;
    const orders = await stack.t.db('orders').where({ proposal_id: pId, symbol: halted });
    assert.ok(orders.length > 0);
    for (const o of orders) assert.equal(o.reject_reason, 'BLOCK_NOT_FILLED');
    const [carried] = mailOf('ADVISOR_NOT_FILLED', 'ben.okafor@example.com');
    assert.ok(carried, 'the not-filled mail');
    const text = carried.parsed.text ?? '';
    const leg = await stack.t.db('proposal_legs').where({ proposal_id: pId, symbol: halted }).first();
    assert.ok(
      text.includes(`${leg.side} ${leg.qty} ${halted} because the block order was not filled in full`),
      text,
    );
    assert.match(text, /carried/);
    const [short] = mailOf('TRADING_BLOCKS_NOT_FILLED', 'trading@zoe.test');
    assert.ok(short, 'the trading desk hears of the halted block');
    assert.match(short.subject, new RegExp(halted));
    // Nothing was sent twice.
    const ids = mail.sink.messages.map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('the day report: its figures are the book’s; an advisor sees only their accounts; CSV export', async () => {
    const ops = await createAdvisorToken(stack.t.db, { role: 'ops', label: 'report test' });
    const get = (p: string, token = ops.token) =>
      fetch(`${api.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
    const res = await get(`/api/v1/reports/day/${tradeDate}`);
    assert.equal(res.status, 200);
    const r = (await res.json()) as DayReport;
    const db = stack.t.db;
    // Notional by symbol and side, summed in PostgreSQL.
    const notional = await db.raw(
      `SELECT symbol, side, sum(filled_qty * avg_price)::text AS n FROM orders
        WHERE trade_date = ? AND avg_price IS NOT NULL AND filled_qty > 0 GROUP BY 1, 2 ORDER BY 1, 2`,
      [tradeDate],
    );
    const got = r.notional
      .map((b: { symbol: string; side: string; notional: string }) => `${b.symbol} ${b.side} ${b.notional}`)
      .sort();
    assert.deepEqual(
      got,
      notional.rows
        .map((x: { symbol: string; side: string; n: string }) => `${x.symbol} ${x.side} ${cashStr(dec(x.n))}`)
        .sort(),
    );
    assert.ok(got.length > 0);
    // End-of-day stages against the book.
    const stage = (s: string) => r.stages.find((x: { stage: string }) => x.stage === s)?.accounts ?? 0;
    const expiredN = await db('proposals')
      .where({ trade_date: tradeDate, status: 'EXPIRED' })
      .count('* as n')
      .first();
    assert.equal(stage('Expired'), Number(expiredN?.n));
    const confirmed = await db.raw(
      `SELECT count(DISTINCT account_id)::int AS n FROM confirm_matches WHERE trade_date = ?
         AND account_id NOT IN (SELECT account_id FROM confirm_matches WHERE trade_date = ? AND result NOT IN ('MATCHED', 'MATCHED_WITHIN_TOLERANCE'))`,
      [tradeDate, tradeDate],
    );
    assert.equal(stage('Confirmed'), confirmed.rows[0].n);
    assert.ok(stage('ReconBreak') >= 1, JSON.stringify(r.stages));
    assert.equal(r.accounts, ACCOUNTS.length);
    const last = r.timeline.at(-1)!.counts;
    for (const s of r.stages) assert.equal(last[s.stage], s.accounts, 'the timeline ends where the day ends');
    // Drift before: the largest |actual − target| of the proposal's scan, computed in PostgreSQL.
    for (const a of r.drift) {
      const before = await db.raw(
        `SELECT max(abs((x->>'actual')::numeric - (x->>'target')::numeric))::text AS f
           FROM proposals p, jsonb_array_elements(p.plan->'drift'->'rows') x WHERE p.id = ?`,
        [a.proposalId],
      );
      assert.equal(a.maxBeforePp, pp(dec(before.rows[0].f)), a.accountId);
      // After: each sleeve moved by its signed filled notional over the account's value.
      const afterRows = await db.raw(
        `SELECT x->>'symbol' AS sleeve, ((x->>'actual')::numeric - (x->>'target')::numeric
                + coalesce((SELECT sum(CASE WHEN o.side = 'BUY' THEN 1 ELSE -1 END * o.filled_qty * o.avg_price)
                     FROM orders o WHERE o.proposal_id = p.id AND o.avg_price IS NOT NULL
                      AND (o.symbol = x->>'symbol' OR jsonb_exists(x->'members', o.symbol)
                        OR (NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p.plan->'drift'->'rows') y
                                         WHERE y->>'symbol' = o.symbol OR jsonb_exists(y->'members', o.symbol))
                            AND EXISTS (SELECT 1 FROM securities s WHERE s.symbol = x->>'symbol'
                                         AND jsonb_exists(s.tlh_alternates, o.symbol))))), 0)
                  / (p.plan->'drift'->>'totalValue')::numeric)::text AS f
           FROM proposals p, jsonb_array_elements(p.plan->'drift'->'rows') x WHERE p.id = ?`,
        [a.proposalId],
      );
      const after = Object.fromEntries(
        afterRows.rows.map((x: { sleeve: string; f: string }) => [x.sleeve, pp(dec(x.f))]),
      );
      for (const s of a.sleeves) assert.equal(s.afterPp, after[s.sleeve], `${a.accountId} ${s.sleeve} after`);
    }
    assert.ok(r.drift.length > 0, 'an account traded');
    assert.ok(r.exceptions.some((e) => e.kind === 'NOT_TRADED' && e.accountId === 'ACC002'));
    assert.ok(r.exceptions.some((e) => e.kind === 'RECON_BREAK' && e.accountId === 'ACC011'));

    // An advisor: their accounts only, no block rows.
    const ben = await createAdvisorToken(stack.t.db, { advisorId: 'ADV-BEN', label: 'report' });
    const mine = (await (await get(`/api/v1/reports/day/${tradeDate}`, ben.token)).json()) as DayReport;
    assert.equal(mine.scope, 'advisor');
    assert.deepEqual(mine.blocks, []);
    const benAccounts = (await db('accounts').where({ advisor_id: 'ADV-BEN' })).map(
      (a: { id: string }) => a.id,
    );
    for (const o of mine.orders) assert.ok(benAccounts.includes(o.accountId), o.accountId);
    for (const e of mine.exceptions) assert.ok(e.accountId === null || benAccounts.includes(e.accountId));
    assert.ok(!mine.orders.some((o: { accountId: string }) => o.accountId === 'ACC001'));

    // CSV: one line per order of the book, with its figures.
    const csv = await get(`/api/v1/reports/day/${tradeDate}/export?format=csv&section=orders`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      new RegExp(`day-report-${tradeDate}-orders\\.csv`),
    );
    const lines = (await csv.text()).trimEnd().split('\r\n');
    const dbOrders = await db('orders').where({ trade_date: tradeDate });
    assert.equal(lines.length, dbOrders.length + 1);
    const o = dbOrders[0];
    assert.ok(
      lines.some((l) => l.includes(`,${o.client_order_id},`) && l.includes(`,${o.qty},${o.filled_qty},`)),
    );
    const plain = await get(`/api/v1/reports/day/${tradeDate}/export?format=csv`);
    assert.equal(
      (await plain.text()).trimEnd().split('\r\n').length,
      dbOrders.length + 1,
      'orders by default',
    );
    const bad = await get(`/api/v1/reports/day/${tradeDate}/export?format=csv&section=everything`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { where: string }).where, 'query.section');
    const json = await get(`/api/v1/reports/day/${tradeDate}/export?format=json`);
    assert.equal(((await json.json()) as DayReport).tradeDate, tradeDate);
  });

  it('the report page in Chromium: the charts carry the report’s figures (screenshot kept)', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium)`);
      return;
    }
    const ops = await createAdvisorToken(stack.t.db, { role: 'ops', label: 'report page' });
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(path.join(os.tmpdir(), 'zoe-chromium-'));
    let browser: BrowserContext | undefined;
    try {
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
        viewport: { width: 1250, height: 1400 },
        timezoneId: 'America/New_York',
      });
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(20_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${api.url}/report?date=${tradeDate}`);
      await page.fill('#token', ops.token);
      await page.click('#signin-button');
      await page.locator('#notional-svg').waitFor();
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'day-report.png'), fullPage: true });
      const db = stack.t.db;
      const bars = await page.$$eval('rect.notional-bar', (rs) =>
        rs.map(
          (r) =>
            `${r.getAttribute('data-symbol')} ${r.getAttribute('data-side')} ${r.getAttribute('data-notional')}`,
        ),
      );
      const notional = await db.raw(
        `SELECT symbol, side, sum(filled_qty * avg_price)::text AS n FROM orders
          WHERE trade_date = ? AND avg_price IS NOT NULL AND filled_qty > 0 GROUP BY symbol, side`,
        [tradeDate],
      );
      assert.deepEqual(
        bars.sort(),
        notional.rows
          .map(
            (x: { symbol: string; side: string; n: string }) => `${x.symbol} ${x.side} ${cashStr(dec(x.n))}`,
          )
          .sort(),
      );
      // The last column of the stage chart: each stage's accounts, as the book has them.
      const stageBars = await page.$$eval('rect.stage-bar', (rs) =>
        rs.map((r) => ({
          at: r.getAttribute('data-at'),
          stage: r.getAttribute('data-stage'),
          n: Number(r.getAttribute('data-count')),
        })),
      );
      const lastAt = stageBars
        .map((b) => b.at ?? '')
        .sort()
        .at(-1);
      const lastCol = Object.fromEntries(stageBars.filter((b) => b.at === lastAt).map((b) => [b.stage, b.n]));
      const expired = await db('proposals')
        .where({ trade_date: tradeDate, status: 'EXPIRED' })
        .count('* as n')
        .first();
      assert.equal(lastCol.Expired ?? 0, Number(expired?.n));
      assert.equal(
        Object.values(lastCol).reduce((a: number, b) => a + Number(b), 0),
        ACCOUNTS.length,
      );
      const drift = await page.$$eval('rect.drift-bar', (rs) =>
        rs.map((r) => ({
          account: r.getAttribute('data-account'),
          when: r.getAttribute('data-when'),
          pp: r.getAttribute('data-pp'),
        })),
      );
      assert.ok(drift.length >= 2);
      for (const d of drift.filter((x) => x.when === 'before')) {
        const row = await db.raw(
          `SELECT max(abs((x->>'actual')::numeric - (x->>'target')::numeric))::text AS f
             FROM proposals p, jsonb_array_elements(p.plan->'drift'->'rows') x WHERE p.trade_date = ? AND p.account_id = ?`,
          [tradeDate, d.account],
        );
        assert.equal(d.pp, pp(dec(row.rows[0].f)), `${d.account} drift before`);
      }
      assert.match((await page.locator('#exceptions').textContent()) ?? '', /NOT_TRADED/);
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
