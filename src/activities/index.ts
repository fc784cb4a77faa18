/**
 * Every activity of the trading day, bound to its dependencies (database, custodian, files), one
 * file per aggregate:
 *
 * | file | activities |
 * |---|---|
 * | accounts.ts | planAccountBatches, listEligibleAccounts |
 * | ingestion.ts | ingestMorningFiles (how each file is stored: file-apply.ts) |
 * | reconciliation.ts | reconcileAccount, resolveBreaks (inputs: recon-input.ts; breaks: breaks.ts) |
 * | proposals.ts | proposeTrades (the engine's snapshot: snapshot.ts) |
 * | decisions.ts | recordDecision, withdrawProposal |
 * | notifications.ts | notifyAdvisor, notifyTraders (transport: notifier.ts) |
 * | blocks.ts | buildBlocks, prepareBuyBlocks |
 * | block-orders.ts | submitBlockOrder, pollBlockOrders, cancelBlockOrders |
 * | allocation.ts | allocateBlock |
 * | booking.ts | bookFills, proposalOrders |
 * | batch-booking.ts | bookBatchFills |
 * | confirms.ts | matchConfirms, matchBatchConfirms |
 * | audit.ts | audit |
 */
import { accountActivities } from './accounts';
import { allocationActivities } from './allocation';
import { auditActivities } from './audit';
import { batchBookingActivities } from './batch-booking';
import { blockOrderActivities } from './block-orders';
import { blockActivities } from './blocks';
import { bookingActivities } from './booking';
import { confirmActivities } from './confirms';
import { decisionAuthActivities } from './decision-auth';
import { decisionActivities } from './decisions';
import type { ActivityDeps } from './deps';
import { createIngest, ingestionActivities } from './ingestion';
import { notificationActivities } from './notifications';
import { proposalActivities } from './proposals';
import { reconciliationActivities } from './reconciliation';

export function createActivities(deps: ActivityDeps) {
  const ingest = createIngest(deps);
  return {
    ...accountActivities(deps),
    ...ingestionActivities(ingest),
    ...reconciliationActivities(deps),
    ...proposalActivities(deps),
    ...decisionActivities(deps),
    ...decisionAuthActivities(deps),
    ...notificationActivities(deps),
    ...blockActivities(deps),
    ...blockOrderActivities(deps),
    ...allocationActivities(deps),
    ...bookingActivities(deps),
    ...batchBookingActivities(deps),
    ...confirmActivities(deps, ingest),
    ...auditActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
