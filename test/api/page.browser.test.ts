/**
 * The advisor page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core;
 * no browser is ever downloaded): a bad token is refused, the advisor signs in, sees the
 * pending proposals of their accounts (legs, reasons, deadline), approves one, rejects the
 * other with a reason, and both are gone. Screenshots go to test-results/.
 * Skipped, with the reason, when /usr/bin/chromium is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { BrowserContext } from 'playwright-core';
import { type RunningApi, startApiServer } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { ROOT_DIR } from '../../src/config';
import { dayClock, etToUtc, nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import { type Stack, startStack, workerFor } from '../support/harness';
import { timeSkippingEnv } from '../support/temporal';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const QUEUE = 'api-page-test';
const SHOTS = path.join(ROOT_DIR, 'test-results');

describe('advisor page in headless Chromium', () => {
  let env: TestWorkflowEnvironment | undefined;
  let stack: Stack | undefined;
  let worker: Worker | undefined;
  let run: Promise<void> | undefined;
  let api: RunningApi | undefined;
  let browser: BrowserContext | undefined;
  let profile: string | undefined;

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (profile) rmSync(profile, { recursive: true, force: true });
    await api?.close();
    worker?.shutdown();
    await run?.catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  it('signs in with a token, shows pending proposals, approves one and rejects one with a reason', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(
        `${CHROMIUM} is not installed (apt-get install -y chromium); the page test needs Debian's Chromium`,
      );
      return;
    }
    env = await timeSkippingEnv();
    const tradeDate = nextTradingDay(utcToEtDate(new Date(await env.currentTimeMs()).toISOString()));
    const clock = dayClock(tradeDate);
    stack = await startStack({ asOf: tradeDate });
    worker = await workerFor(env, stack, QUEUE);
    run = worker.run();
    const start = Date.parse(etToUtc(tradeDate, '06:30'));
    const now = await env.currentTimeMs();
    if (start > now) await env.sleep(start - now);
    await stack.deps.custodian.requestStartOfDayFiles(tradeDate);
    const { createActivities } = await import('../../src/activities');
    await createActivities(stack.deps).ingestMorningFiles({ processDate: tradeDate });
    for (const accountId of ['ACC002', 'ACC008']) {
      await env.client.workflow.start('AccountDay', {
        taskQueue: QUEUE,
        workflowId: accountDayWorkflowId(tradeDate, accountId),
        args: [{ accountId, advisorId: 'ADV-BEN', mode: 'MANUAL', tradeDate, clock, fillPollSeconds: 60 }],
      });
    }
    const status = (accountId: string) =>
      env!.client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId)).query(statusQuery);
    for (const accountId of ['ACC002', 'ACC008']) {
      for (let i = 0; ; i++) {
        const s = await status(accountId).catch(() => undefined);
        if (s?.stage === 'AwaitingApproval') break;
        assert.ok(i < 400, `${accountId} never awaited approval`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    api = await startApiServer({ db: stack.t.db, client: env.client, port: 0, today: () => tradeDate });
    const { token } = await createAdvisorToken(stack.t.db, { advisorId: 'ADV-BEN', label: 'browser test' });
    const approveId = `P${tradeDate.replaceAll('-', '')}-ACC002`;
    const rejectId = `P${tradeDate.replaceAll('-', '')}-ACC008`;

    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(path.join(os.tmpdir(), 'zoe-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 1300 },
      timezoneId: 'America/New_York',
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(20_000);
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401 \(Unauthorized\)/.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    mkdirSync(SHOTS, { recursive: true });

    await page.goto(api.url);
    // A wrong token is refused and the advisor stays on the sign-in form.
    await page.fill('#token', `zoe_${'x'.repeat(43)}`);
    await page.click('#signin-button');
    await page.locator('#signin-error', { hasText: 'not accepted' }).waitFor();
    assert.equal(await page.locator('#work').isVisible(), false);

    await page.fill('#token', token);
    await page.click('#signin-button');
    await page.locator('#who', { hasText: 'ADV-BEN' }).waitFor();
    const cards = page.locator('article.proposal');
    await cards.nth(1).waitFor();
    assert.equal(await cards.count(), 2);
    const approveCard = page.locator(`article[data-proposal-id="${approveId}"]`);
    const rejectCard = page.locator(`article[data-proposal-id="${rejectId}"]`);
    const approveText = (await approveCard.textContent()) ?? '';
    assert.match(approveText, /ACC002/);
    assert.match(approveText, /Decide by .*ET/, 'the deadline is shown in ET');
    assert.match(approveText, /DRIFT|CASH/, 'the reasons are shown');
    const legs = await approveCard.locator('tbody tr').count();
    assert.ok(legs > 0, 'the legs are shown');
    assert.match((await rejectCard.textContent()) ?? '', /ACC008/);
    assert.match((await page.locator('#summary').textContent()) ?? '', /2 proposals are waiting/);
    await page.screenshot({ path: path.join(SHOTS, 'advisor-page-pending.png'), fullPage: true });

    // Approve all.
    await approveCard.locator('button.approve').click();
    await approveCard.waitFor({ state: 'detached' });
    assert.match((await page.locator('#notice').textContent()) ?? '', new RegExp(`${approveId} approved`));

    // Reject: a reason is asked for and required.
    await rejectCard.locator('button.reject', { hasText: 'Reject' }).first().click();
    const reasonBox = rejectCard.locator('textarea');
    await reasonBox.waitFor();
    await rejectCard.locator('button', { hasText: 'Confirm rejection' }).click();
    await rejectCard.locator('.error', { hasText: 'needs a reason' }).waitFor();
    await reasonBox.fill('the client is moving money next week');
    await rejectCard.locator('button', { hasText: 'Confirm rejection' }).click();
    await rejectCard.waitFor({ state: 'detached' });
    assert.match((await page.locator('#notice').textContent()) ?? '', new RegExp(`${rejectId} rejected`));

    // After a refresh (once the book has recorded both decisions) nothing is left.
    for (let i = 0; ; i++) {
      await page.click('#refresh');
      await page.waitForLoadState('networkidle');
      const summary = (await page.locator('#summary').textContent()) ?? '';
      if (/Nothing is waiting/.test(summary) && (await cards.count()) === 0) break;
      assert.ok(i < 50, `still pending after refresh: ${summary}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.screenshot({ path: path.join(SHOTS, 'advisor-page-done.png'), fullPage: true });

    const approved = await status('ACC002');
    assert.equal(approved.decision?.decision, 'APPROVED');
    assert.equal(approved.decision?.by, 'ADV-BEN');
    const rejected = await status('ACC008');
    assert.equal(rejected.decision?.decision, 'REJECTED');
    assert.equal(rejected.decision?.note, 'the client is moving money next week');
    assert.deepEqual(consoleErrors, []);
  });
});
