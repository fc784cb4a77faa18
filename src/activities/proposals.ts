/**
 * Proposal activities: the account is scanned by the rebalancing engine on its snapshot (./snapshot.ts)
 * and, when action is needed, the proposal and its legs are written (once per account and day), with
 * the flags that send an auto account's proposal to a trader.
 */
import type { Knex } from 'knex';
import { recordScan } from '../book/effect';
import { restrictionImpact } from '../book/restriction-impact';
import type { ProposeResult } from '../contracts';
import { planAccount } from '../domain/engine';
import { cashStr, dec, sum } from '../domain/money';
import { writeAudit } from './audit';
import { recordTradedModelVersion } from './booking';
import type { ActivityDeps } from './deps';
import { loadSnapshot } from './snapshot';

export function proposalIdFor(tradeDate: string, accountId: string): string {
  return `P${tradeDate.replaceAll('-', '')}-${accountId}`;
}

export function proposalActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async proposeTrades(input: {
      tradeDate: string;
      accountId: string;
      expiresAt: string;
    }): Promise<ProposeResult> {
      const id = proposalIdFor(input.tradeDate, input.accountId);
      const existing = await db('proposals').where({ id }).first();
      if (existing) return summarize(db, id, deps);
      const account = await db('accounts').where({ id: input.accountId }).first('household_id');
      // One account of a household is planned at a time, each seeing the proposals of those before
      // it (their buys and their sales at a loss: the wash-sale rule, src/activities/snapshot.ts).
      // Planned side by side, two accounts could each miss the other's trade.
      const planned = await db.transaction(async (trx) => {
        if (account)
          await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [householdLock(account.household_id)]);
        // Securities held by unresolved breaks are in the snapshot: the engine freezes them.
        const snapshot = await loadSnapshot(trx, input.tradeDate, input.accountId);
        const plan = planAccount(snapshot);
        // A restricted list that changed the proposal says so (src/book/restriction-impact.ts).
        plan.reasons.push(...restrictionImpact(snapshot, plan));
        // The scan ran: a configuration change from now on applies tomorrow (src/book/effect.ts).
        await recordScan(trx, {
          accountId: input.accountId,
          tradeDate: input.tradeDate,
          modelId: snapshot.model.id,
          modelVersion: snapshot.model.version,
        });
        if (plan.action !== 'NONE' && plan.legs.length > 0)
          await insertProposal(trx, { id, ...input, snapshot, plan });
        return { snapshot, plan };
      });
      const { snapshot, plan } = planned;
      if (plan.action === 'NONE' || plan.legs.length === 0) {
        // Nothing to do on the model's current version: the account is aligned with it, so a
        // model change that needed no trade does not fire again tomorrow.
        if (snapshot.lastTradedModelVersion !== snapshot.model.version)
          await recordTradedModelVersion(db, input.accountId, snapshot.model.version);
        const reasons = plan.reasons.map((r) => r.message);
        return { action: 'NONE', version: 0, legs: 0, reasons, notional: '0.00', flags: [] };
      }
      return summarize(db, id, deps);
    },
  };
}

/** The advisory lock that plans one account of a household at a time. */
export function householdLock(householdId: string): string {
  return `plan:household:${householdId}`;
}

/** The proposal and its legs, written once (a retry finds it and writes nothing). */
async function insertProposal(
  trx: Knex.Transaction,
  p: {
    id: string;
    accountId: string;
    tradeDate: string;
    expiresAt: string;
    snapshot: Awaited<ReturnType<typeof loadSnapshot>>;
    plan: ReturnType<typeof planAccount>;
  },
): Promise<void> {
  const { id, plan, snapshot } = p;
  const inserted = await trx('proposals')
    .insert({
      id,
      account_id: p.accountId,
      trade_date: p.tradeDate,
      version: 1,
      status: 'PENDING_APPROVAL',
      model_id: snapshot.model.id,
      model_version: snapshot.model.version,
      reasons: JSON.stringify(plan.reasons),
      plan: JSON.stringify(plan),
      expires_at: p.expiresAt,
    })
    .onConflict('id')
    .ignore()
    .returning('id');
  if (inserted.length === 0) return;
  await trx('proposal_legs').insert(
    plan.legs.map((l) => ({
      proposal_id: id,
      leg_no: l.legNo,
      symbol: l.symbol,
      side: l.side,
      qty: l.qty,
      est_price: l.estPrice,
      est_notional: l.estNotional,
      reasons: JSON.stringify(l.reasons),
      lots: JSON.stringify(l.lots),
    })),
  );
  await writeAudit(trx, {
    actor: 'rebalancer',
    action: 'PROPOSAL_CREATED',
    entity: 'proposal',
    entityId: id,
    details: {
      reasons: plan.reasons.map((r) => r.message),
      legs: plan.legs.length,
      tax: plan.tax,
      compliance: plan.compliance,
    },
    idempotencyKey: `proposal:${id}`,
  });
}

/** The proposal as the workflow sees it, with the flags that send an auto account to a trader. */
async function summarize(db: Knex, id: string, deps: ActivityDeps): Promise<ProposeResult> {
  const p = await db('proposals').where({ id }).first();
  const legs: { leg_no: number; symbol: string; side: string; est_notional: string }[] = await db(
    'proposal_legs',
  )
    .where({ proposal_id: id })
    .orderBy('leg_no');
  const limit = dec(deps.policy?.autoReviewMaxLegUsd ?? '100000');
  const flags = legs
    .filter((l) => dec(l.est_notional).gt(limit))
    .map(
      (l) =>
        `leg ${l.leg_no} ${l.side} ${l.symbol} $${l.est_notional} is above the auto-approval limit $${cashStr(limit)}`,
    );
  const failures: { legNo: number | null; rule: string; message: string }[] =
    p.plan?.compliance?.failures ?? [];
  for (const f of failures)
    flags.push(`compliance ${f.rule}${f.legNo ? ` (leg ${f.legNo})` : ''}: ${f.message}`);
  return {
    action: 'TRADE',
    proposalId: id,
    version: p.version,
    legs: legs.length,
    reasons: (p.reasons as (string | { message: string })[]).map((r) =>
      typeof r === 'string' ? r : r.message,
    ),
    notional: cashStr(sum(legs.map((l) => dec(l.est_notional)))),
    flags,
  };
}
