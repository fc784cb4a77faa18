/**
 * What ops do in the morning: open the Temporal UI, filter Stage="AwaitingApproval", see
 * which accounts wait. Headless Debian Chromium (playwright-core, no browser download)
 * against the dev server's own UI; the screenshot is kept in test-results/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { chromium } from 'playwright-core';
import { createActivities } from '../../src/activities';
import { nextTradingDay, utcToEtDate } from '../../src/domain/calendar';
import { freePort } from '../../src/infra/postgres';
import { temporalCliPath } from '../../src/infra/temporal';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';
import { type Stack, startStack, workerFor } from '../support/harness';

const CHROMIUM = '/usr/bin/chromium';

describe(
  'the Temporal UI lists accounts awaiting approval',
  { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` },
  () => {
    let env: TestWorkflowEnvironment;
    let stack: Stack;
    let worker: Worker;
    let run: Promise<void>;
    let uiPort: number;
    const tradeDate = nextTradingDay(utcToEtDate(new Date().toISOString()));

    before(async () => {
      uiPort = await freePort();
      env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable: {
            type: 'existing-path',
            path: temporalCliPath({ TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH }),
          },
          searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
          ui: true,
          uiPort,
          extraArgs: ['--log-level', 'error'],
        },
      });
      stack = await startStack({ asOf: tradeDate });
      worker = await workerFor(env, stack, 'ui-test');
      run = worker.run();
    });
    after(async () => {
      worker?.shutdown();
      await run?.catch(() => undefined);
      await stack?.close();
      await env?.teardown();
    });

    it('filters by Stage and shows the waiting account ids', async () => {
      await createActivities(stack.deps).ingestMorningFiles({ processDate: tradeDate });
      const hour = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
      const clock = {
        approvalCutoff: hour(1),
        windowOpen: hour(1.1),
        windowClose: hour(2),
        confirmAt: hour(3),
      };
      const waiting = [
        { accountId: 'ACC002', advisorId: 'ADV-BEN' },
        { accountId: 'ACC004', advisorId: 'ADV-ANA' },
      ];
      for (const a of waiting) {
        await env.client.workflow.start('AccountDay', {
          taskQueue: 'ui-test',
          workflowId: accountDayWorkflowId(tradeDate, a.accountId),
          args: [{ ...a, mode: 'MANUAL', tradeDate, clock, fillPollSeconds: 60 }],
        });
      }
      for (const a of waiting) {
        const h = env.client.workflow.getHandle(accountDayWorkflowId(tradeDate, a.accountId));
        for (let i = 0; i < 300 && (await h.query(statusQuery)).stage !== 'AwaitingApproval'; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
      }

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const query = `Stage="AwaitingApproval" AND TradeDate="${tradeDate}"`;
        const url = `http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
        let text = '';
        for (let attempt = 0; attempt < 20; attempt++) {
          await page.goto(url, { waitUntil: 'networkidle' });
          text = await page.locator('body').innerText();
          if (waiting.every((a) => text.includes(accountDayWorkflowId(tradeDate, a.accountId)))) break;
          await new Promise((r) => setTimeout(r, 1000)); // visibility is eventually consistent
        }
        const dir = path.resolve(__dirname, '..', '..', 'test-results');
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: path.join(dir, 'temporal-ui-awaiting-approval.png'), fullPage: true });
        for (const a of waiting)
          assert.ok(text.includes(accountDayWorkflowId(tradeDate, a.accountId)), `${a.accountId} listed`);
        assert.ok(
          !text.includes(accountDayWorkflowId(tradeDate, 'ACC001')),
          'an account not waiting is not listed',
        );
      } finally {
        await browser.close();
        for (const a of waiting) {
          await env.client.workflow
            .getHandle(accountDayWorkflowId(tradeDate, a.accountId))
            .terminate('test over');
        }
      }
    });
  },
);
