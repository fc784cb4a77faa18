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
      // One read: today's proposal if it was written already (a retry), and the account's household.
      const account: { household_id: string; proposal: string | null } | undefined = await db('accounts')
        .leftJoin('proposals', 'proposals.id', db.raw('?', [id]))
        .where('accounts.id', input.accountId)
        .first('accounts.household_id', 'proposals.id as proposal');
      if (account?.proposal) return summarize(db, id, deps);
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
        const written =
          plan.action !== 'NONE' && plan.legs.length > 0
            ? await insertProposal(trx, { id, ...input, snapshot, plan })
            : false;
        return { snapshot, plan, written };
      });
      const { snapshot, plan, written } = planned;
      if (plan.action === 'NONE' || plan.legs.length === 0) {
        // Nothing to do on the model's current version: the account is aligned with it, so a
        // model change that needed no trade does not fire again tomorrow.
        if (snapshot.lastTradedModelVersion !== snapshot.model.version)
          await recordTradedModelVersion(db, input.accountId, snapshot.model.version);
        const reasons = plan.reasons.map((r) => r.message);
        return { action: 'NONE', version: 0, legs: 0, reasons, notional: '0.00', flags: [] };
      }
      // Written just now: summarized from what was written; else (a run that lost the race) read.
      if (!written) return summarize(db, id, deps);
      return summaryOf(
        id,
        { version: 1, reasons: plan.reasons, failures: plan.compliance?.failures ?? [] },
        plan.legs.map((l) => ({
          leg_no: l.legNo,
          symbol: l.symbol,
          side: l.side,
          est_notional: l.estNotional,
        })),
        deps,
      );
    },
  };
}

/** The advisory lock that plans one account of a household at a time. */
export function householdLock(householdId: string): string {
  return `plan:household:${householdId}`;
}

/** The proposal and its legs, written once (a retry finds it and writes nothing): true if written now. */
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
): Promise<boolean> {
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
  if (inserted.length === 0) return false;
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
  return true;
}

/** The proposal as the workflow sees it, read from the book. */
async function summarize(db: Knex, id: string, deps: ActivityDeps): Promise<ProposeResult> {
  const p = await db('proposals').where({ id }).first();
  const legs: Leg[] = await db('proposal_legs').where({ proposal_id: id }).orderBy('leg_no');
  return summaryOf(
    id,
    { version: p.version, reasons: p.reasons, failures: p.plan?.compliance?.failures ?? [] },
    legs,
    deps,
  );
}

interface Leg {
  leg_no: number;
  symbol: string;
  side: string;
  est_notional: string;
}

/** The proposal's summary, with the flags that send an auto account to a trader. */
function summaryOf(
  id: string,
  p: {
    version: number;
    reasons: readonly (string | { message: string })[];
    failures: readonly { legNo?: number | null; rule: string; message: string }[];
  },
  legs: Leg[],
  deps: ActivityDeps,
): ProposeResult {
  const limit = dec(deps.policy?.autoReviewMaxLegUsd ?? '100000');
  const flags = legs
    .filter((l) => dec(l.est_notional).gt(limit))
    .map(
      (l) =>
        `leg ${l.leg_no} ${l.side} ${l.symbol} $${l.est_notional} is above the auto-approval limit $${cashStr(limit)}`,
    );
  for (const f of p.failures)
    flags.push(`compliance ${f.rule}${f.legNo ? ` (leg ${f.legNo})` : ''}: ${f.message}`);
  return {
    action: 'TRADE',
    proposalId: id,
    version: p.version,
    legs: legs.length,
    reasons: p.reasons.map((r) => (typeof r === 'string' ? r : r.message)),
    notional: cashStr(sum(legs.map((l) => dec(l.est_notional)))),
    flags,
  };
}
