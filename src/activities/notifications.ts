/**
 * Notification activities: the messages the workflows ask for by name (a proposal for an advisor or
 * a trader), written once to the `notifications` outbox
 * (src/notifications/outbox.ts) and tried at once. Messages that follow from a step (expired, not
 * filled, confirm breaks, blocks short at the close, the reconciliation digest) are written by that
 * step's own activity, a failed account and the day's summary by the `audit` activity
 * (src/notifications/from-audit.ts); the dispatcher (src/notifications/dispatcher.ts) sends what is due and
 * retries with back-off. docs/notifications.md has who hears what.
 */
import { Context } from '@temporalio/activity';
import * as notify from '../notifications/notify';
import { type Channels, deliver } from '../notifications/outbox';
import type { ActivityDeps } from './deps';
import { logNotifier } from './notifier';

/**
 * Attempts in which an activity waits for its message to be handed over (a failure throws, so
 * Temporal retries it with back-off); after these, it leaves the row to the dispatcher and the day
 * goes on, so a mail or webhook outage never fails an account's day.
 */
export const INLINE_ATTEMPTS = 5;

export function channelsOf(deps: ActivityDeps): Channels {
  return { notifier: deps.notifier ?? logNotifier, mail: deps.mail };
}

export function notifyContextOf(deps: ActivityDeps): notify.NotifyContext {
  return { settings: deps.notify ?? notify.defaultNotifyContext.settings, mailFrom: deps.mail?.from };
}

export function notificationActivities(deps: ActivityDeps) {
  const { db } = deps;
  const ctx = notifyContextOf(deps);
  const channels = channelsOf(deps);

  /** Hands the rows over now; throws while a row failed and the activity has attempts left. */
  async function sendNow(ids: number[]): Promise<void> {
    const errors: string[] = [];
    for (const id of ids) {
      const r = await deliver(db, channels, id);
      if (r.outcome === 'RETRY') errors.push(r.error ?? 'failed');
    }
    if (errors.length === 0) return;
    let attempt = INLINE_ATTEMPTS;
    try {
      attempt = Context.current().info.attempt;
    } catch {
      // called outside an activity (a test): no Temporal retries to wait for
    }
    if (attempt < INLINE_ATTEMPTS) throw new Error(`notification not delivered yet: ${errors.join('; ')}`);
  }

  return {
    async notifyAdvisor(input: { proposalId: string; advisorId: string; deadline: string }): Promise<void> {
      const { now } = await notify.proposalAwaitsAdvisor(db, ctx, input);
      await sendNow(now);
    },

    async notifyTraders(input: { proposalId: string; flags: string[]; deadline: string }): Promise<void> {
      await sendNow(await notify.proposalAwaitsTrader(db, ctx, input));
    },
  };
}
