/**
 * Reconciliation activities: the account's book against the custodian's morning files (the pure
 * rules are src/domain/recon.ts, what is loaded for them ./recon-input.ts, how breaks are written
 * ./breaks.ts), and ops resolving an account's breaks by hand.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { referenceOf } from '../book/reference-cache';
import type { ReconcileResult } from '../contracts';
import { UNRESOLVED_STATUSES, reconcile } from '../domain/recon';
import { reconDigest } from '../notifications/digest';
import { accountRow } from './accounts';
import { type ResolveBreaksInput, resolveAccountBreaks } from './break-resolution';
import { type BreakRow, writeBreaks } from './breaks';
import type { ActivityDeps } from './deps';
import { notifyContextOf } from './notifications';
import { loadReconInput } from './recon-input';
import { sendWithdrawals, syncAccount, syncContext } from './sync';

export function reconciliationActivities(deps: ActivityDeps) {
  const { db } = deps;
  const notifyCtx = notifyContextOf(deps);
  return {
    /**
     * Reconciles the account's book with the custodian's start-of-day files for the trade date
     * (docs/domain.md §5.1, src/domain/recon.ts): positions exact at 5 dp on trade-date quantities
     * (EXT871), cash ±$0.01 with pending items (EXT981, EXT869), cost basis per lot ±$0.01
     * (EXT_TAXLOT), explained by corporate actions (EXT235) and the security master (EXT747).
     *
     * Breaks are written with category, cause, materiality, escalation and age; TIMING and
     * SECURITY_MASTER breaks are resolved automatically (audited). An unresolved break stays one
     * row while it persists (its age grows) and is resolved automatically once the difference is
     * gone; breaks resolved by hand stay resolved for the day.
     *
     * `openBreaks` counts the unresolved breaks that hold the whole account (cash, an unexplained
     * quantity difference, anything escalated): the AccountDay workflow holds the account while
     * it is above zero. Breaks that hold one security (`securityHolds`) only keep the engine from
     * trading that security (see proposeTrades).
     */
    async reconcileAccount(input: {
      tradeDate: string;
      accountId: string;
      afterOpsResolution?: boolean;
    }): Promise<ReconcileResult> {
      const acct = await accountRow(db, input.accountId);
      // The day's files, securities and corporate actions: read once per generation, not per account.
      const ref = await referenceOf(db);
      const codes = await ref.get(`ingested-codes:${input.tradeDate}`, async () =>
        (
          await db('custodian_files')
            .where({ process_date: input.tradeDate, status: 'INGESTED' })
            .distinct('code')
        ).map((r: { code: string }) => r.code),
      );
      const have = new Set(codes);
      if (!have.has('EXT871')) {
        throw ApplicationFailure.nonRetryable(
          `no positions file (EXT871) ingested for ${input.tradeDate}: see custodian_files for rejected files`,
          'MissingCustodianFile',
        );
      }
      // Post what the custodian reports and the book can explain; what is left is a break.
      const synced = await db.transaction(async (trx) =>
        syncAccount(trx, await syncContext(trx, input.tradeDate, acct, ref)),
      );
      const reconInput = await loadReconInput(db, input.tradeDate, acct, have, ref);
      const found = reconcile(reconInput);
      const { autoResolved, clean } = await writeBreaks(db, input.tradeDate, input.accountId, found);
      const open: BreakRow[] = clean
        ? []
        : await db('breaks')
            .where({ account_id: input.accountId })
            .where('trade_date', '<=', input.tradeDate)
            .whereIn('status', UNRESOLVED_STATUSES)
            .orderBy('id');
      const accountHolds = open.filter((b) => b.hold === 'ACCOUNT');
      // No money leaves an account whose book is in question.
      const sent =
        accountHolds.length === 0
          ? await sendWithdrawals(db, deps.custodian, {
              tradeDate: input.tradeDate,
              accountId: acct.id,
              accountNumber: acct.custodian_account_number,
            })
          : [];
      // Ops get one digest of the held accounts per morning, not a message per break.
      if (accountHolds.length > 0) await reconDigest(db, notifyCtx, input.tradeDate);
      return {
        openBreaks: accountHolds.length,
        breaks: accountHolds.map((b) => ({ symbol: b.symbol ?? 'USD', ours: b.ours, theirs: b.theirs })),
        securityHolds: [
          ...new Set(open.filter((b) => b.hold === 'SECURITY' && b.symbol).map((b) => b.symbol!)),
        ].sort(),
        autoResolved,
        checked: found.checked,
        synced: {
          cashPosted: synced.cash.length,
          actionsPosted: synced.actions.length,
          tradesSettled: synced.settlement.settled,
          failingSettlements: synced.settlement.failing.length,
          withdrawalsSent: sent.filter((w) => w.transferId).length,
        },
      };
    },

    /**
     * Ops resolved the account's breaks: every unresolved break of the account up to the trade date
     * (account and security holds alike) becomes RESOLVED_MANUAL, either explained by a named item
     * (the default) or adopted from the custodian into the book (./break-resolution.ts), audited.
     */
    async resolveBreaks(input: ResolveBreaksInput): Promise<number> {
      return resolveAccountBreaks(db, input);
    },
  };
}
