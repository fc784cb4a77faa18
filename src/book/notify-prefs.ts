/**
 * An advisor's notification opt-outs (`advisors.notify_opt_out`, read by the outbox when it
 * addresses an advisor's message: src/notifications/outbox.ts): read them, turn kinds off and on.
 * Audited with before and after.
 */
import type { Knex } from 'knex';
import type { NotifyPrefsPatch } from '../domain/config/notify-prefs';
import { ADVISOR_KINDS, type AdvisorKind } from '../notifications/kinds';
import { type BookContext, ENTITY, audit, inTransaction, notFound } from './context';

export interface NotifyPrefsView {
  advisorId: string;
  /** The kinds the advisor is not sent. */
  optOut: AdvisorKind[];
  /** The advisor's kinds they are sent (unless NOTIFY_DISABLED turns one off for everyone). */
  receives: AdvisorKind[];
}

function view(advisorId: string, stored: unknown): NotifyPrefsView {
  const list = Array.isArray(stored) ? stored : [];
  const optOut = ADVISOR_KINDS.filter((k) => list.includes(k));
  return { advisorId, optOut, receives: ADVISOR_KINDS.filter((k) => !optOut.includes(k)) };
}

export async function notifyPrefs(db: Knex, advisorId: string): Promise<NotifyPrefsView> {
  const a = await db('advisors').where({ id: advisorId }).first('notify_opt_out');
  if (!a) throw notFound(ENTITY, `advisor ${advisorId} not found`);
  return view(advisorId, a.notify_opt_out);
}

export async function changeNotifyPrefs(
  ctx: BookContext,
  advisorId: string,
  patch: NotifyPrefsPatch,
): Promise<NotifyPrefsView & { changed: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    const a = await trx('advisors').where({ id: advisorId }).forUpdate().first('notify_opt_out');
    if (!a) throw notFound(ENTITY, `advisor ${advisorId} not found`);
    const before = view(advisorId, a.notify_opt_out);
    const off = new Set<AdvisorKind>([...before.optOut, ...(patch.off ?? [])]);
    for (const k of patch.on ?? []) off.delete(k);
    const after = view(advisorId, [...off]);
    if (after.optOut.join() === before.optOut.join()) return { ...before, changed: false };
    await trx('advisors')
      .where({ id: advisorId })
      .update({ notify_opt_out: JSON.stringify(after.optOut) });
    await audit(ctx, trx, {
      action: 'ADVISOR_NOTIFY_PREFS_CHANGED',
      entity: 'advisor',
      entityId: advisorId,
      before: { optOut: before.optOut },
      after: { optOut: after.optOut },
    });
    return { ...after, changed: true };
  });
}
