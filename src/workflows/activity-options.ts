/**
 * The activity option presets of every workflow, named for what they call, in one place. Every
 * preset retries with the same back-off; they differ in how long one attempt may take and whether
 * attempts are bounded.
 */
import {
  type ActivityOptions,
  type LocalActivityOptions,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';

const BACKOFF = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/** The book's short PostgreSQL steps as ordinary activities (AccountDay before `local-db-activities`, AccountBatch). */
export const BOOK_STEP: ActivityOptions = { startToCloseTimeout: '2 minutes', retry: BACKOFF };

/**
 * The book's steps (reconcile, propose, record, book, match confirms: PostgreSQL only, short,
 * idempotent) as local activities, in the worker that runs the workflow task: each costs the server
 * one marker instead of a scheduled activity task and two workflow tasks. Retries back off up to a
 * minute; after 12 attempts (about 7 minutes: a PostgreSQL outage of a few minutes is ridden out)
 * the step fails visibly (`Stage=Failed`, `lastError`) and waits for ops' `retry`, since a local
 * activity's attempts do not show as a pending activity in the UI.
 */
export const BOOK_STEP_LOCAL: LocalActivityOptions = {
  startToCloseTimeout: '2 minutes',
  localRetryThreshold: '10 seconds',
  retry: { ...BACKOFF, maximumAttempts: 12 },
};

/** Calls to the custodian (orders, polls, cancels): short attempts, retried quickly. */
export const CUSTODIAN_CALL: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { ...BACKOFF, maximumInterval: '30s' },
};

/** The day's own set-based steps (file ingestion, batches, blocks built for the whole day). */
export const DAY_STEP: ActivityOptions = { startToCloseTimeout: '5 minutes', retry: BACKOFF };

/** Allocating a block, or booking a batch's fills: one booking per account, heartbeating as it goes. */
export const BLOCK_ALLOCATION: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: BACKOFF,
};

export const bookSteps = () => proxyActivities<Activities>(BOOK_STEP);
export const bookStepsLocal = () => proxyLocalActivities<Activities>(BOOK_STEP_LOCAL);
export const custodianCalls = () => proxyActivities<Activities>(CUSTODIAN_CALL);
export const daySteps = () => proxyActivities<Activities>(DAY_STEP);
export const blockAllocation = () => proxyActivities<Activities>(BLOCK_ALLOCATION);
export const batchBooking = () => proxyActivities<Activities>(BLOCK_ALLOCATION);
