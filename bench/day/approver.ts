/**
 * The advisors and ops of the benchmark, in bulk: every second it reads the book for proposals
 * still pending (and open reconciliation breaks) and answers them the way people would, through
 * the workflow's own messages:
 * - a MANUAL account's proposal: the `approve` Update, as its advisor;
 * - an AUTO account's proposal still pending after 3 s (flagged for a trader): the `zoeReview` Update;
 * - an open break: the `resolveBreak` signal.
 * A message the workflow refuses (not at that stage yet) is tried again on a later round.
 * bench/soak passes `decide` (its advisors reject some proposals, the `reject` Update) and
 * `resolvesBreaksOf` (only the demo's deliberate break accounts are resolved; any other break holds).
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { accountDayWorkflowId } from '../../src/workflows/ids';
import {
  approveUpdate,
  rejectUpdate,
  resolveBreakSignal,
  zoeReviewUpdate,
} from '../../src/workflows/messages';

export interface ApproverStats {
  approved: number;
  rejected: number;
  /** Manual proposals left unanswered on purpose (bench/soak's advisors who let them expire). */
  ignored: number;
  zoeReviewed: number;
  breakSignals: number;
  refusedAndRetried: number;
  errors: number;
  firstAt?: number;
  lastAt?: number;
}

export function startApprover(opts: {
  db: Knex;
  client: Client;
  tradeDate: string;
  concurrency: number;
  /** A MANUAL account's advisor's decision on its proposal (default: approve). */
  decide?: (p: { proposalId: string; accountId: string }) => Promise<'APPROVE' | 'REJECT' | 'IGNORE'>;
  /** Whose open breaks are resolved (default: everyone's). */
  resolvesBreaksOf?: (accountId: string) => boolean;
}): { stop(): Promise<ApproverStats>; stats: ApproverStats } {
  const { db, client, tradeDate } = opts;
  const stats: ApproverStats = {
    approved: 0,
    rejected: 0,
    ignored: 0,
    zoeReviewed: 0,
    breakSignals: 0,
    refusedAndRetried: 0,
    errors: 0,
  };
  const done = new Set<string>();
  const inFlight = new Set<string>();
  const firstSeen = new Map<string, number>();
  const signalled = new Map<string, number>();
  let stopped = false;

  const runLimited = async (jobs: (() => Promise<void>)[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(opts.concurrency, jobs.length) }, async () => {
        while (next < jobs.length && !stopped) await jobs[next++]!();
      }),
    );
  };

  const round = async () => {
    const rows: { id: string; account_id: string; advisor_id: string; mode: 'AUTO' | 'MANUAL' }[] = await db(
      'proposals as p',
    )
      .join('accounts as a', 'a.id', 'p.account_id')
      .where({ 'p.trade_date': tradeDate, 'p.status': 'PENDING_APPROVAL' })
      .select('p.id', 'p.account_id', 'a.advisor_id', 'a.mode');
    const now = Date.now();
    const jobs: (() => Promise<void>)[] = [];
    for (const r of rows) {
      if (done.has(r.id) || inFlight.has(r.id)) continue;
      if (!firstSeen.has(r.id)) firstSeen.set(r.id, now);
      if (r.mode === 'AUTO' && now - firstSeen.get(r.id)! < 3000) continue;
      inFlight.add(r.id);
      jobs.push(async () => {
        const h = client.workflow.getHandle(accountDayWorkflowId(tradeDate, r.account_id));
        try {
          const decision =
            r.mode === 'MANUAL' && opts.decide
              ? await opts.decide({ proposalId: r.id, accountId: r.account_id })
              : 'APPROVE';
          if (r.mode === 'MANUAL' && decision === 'IGNORE') {
            stats.ignored++;
          } else if (r.mode === 'MANUAL' && decision === 'REJECT') {
            await h.executeUpdate(rejectUpdate, {
              args: [{ proposalId: r.id, advisorId: r.advisor_id, reason: 'bench: rejected by the advisor' }],
            });
            stats.rejected++;
          } else if (r.mode === 'MANUAL') {
            await h.executeUpdate(approveUpdate, {
              args: [{ proposalId: r.id, advisorId: r.advisor_id, note: 'bench: approved in bulk' }],
            });
            stats.approved++;
          } else {
            await h.executeUpdate(zoeReviewUpdate, {
              args: [
                { proposalId: r.id, trader: 'bench', decision: 'APPROVE', note: 'bench: approved in bulk' },
              ],
            });
            stats.zoeReviewed++;
          }
          done.add(r.id);
          stats.firstAt ??= Date.now();
          stats.lastAt = Date.now();
        } catch (e) {
          const name = (e as Error).name;
          if (name === 'WorkflowUpdateFailedError') stats.refusedAndRetried++;
          else stats.errors++;
        } finally {
          inFlight.delete(r.id);
        }
      });
    }
    const breaks: { account_id: string }[] = await db('breaks')
      .where({ trade_date: tradeDate, status: 'OPEN' })
      .distinct('account_id');
    for (const b of breaks) {
      if (opts.resolvesBreaksOf && !opts.resolvesBreaksOf(b.account_id)) continue;
      if (now - (signalled.get(b.account_id) ?? 0) < 2000) continue;
      signalled.set(b.account_id, now);
      jobs.push(async () => {
        try {
          await client.workflow
            .getHandle(accountDayWorkflowId(tradeDate, b.account_id))
            .signal(resolveBreakSignal, { by: 'bench', note: 'bench: resolved in bulk' });
          stats.breakSignals++;
        } catch {
          stats.errors++;
        }
      });
    }
    await runLimited(jobs);
  };

  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      await round().catch(() => {
        stats.errors++;
      });
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - t0))));
    }
  })();

  return {
    stats,
    /** Stops asking; an Update still in flight (the server may be far behind) is not waited for beyond 5 s. */
    async stop() {
      stopped = true;
      await Promise.race([loop, new Promise((r) => setTimeout(r, 5000).unref())]);
      return { ...stats };
    },
  };
}
