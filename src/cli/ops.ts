/** Ops commands: find stuck accounts and unstick them with the same signals the UI sends. */
import type { Client } from '@temporalio/client';
import { accountDayWorkflowId } from '../workflows/ids';
import {
  type AccountDayStatus,
  resolveBreakSignal,
  retrySignal,
  skipTodaySignal,
  statusQuery,
} from '../workflows/messages';

/** Stages that need a person; any other stage is stuck only when it has not moved for too long. */
const NEEDS_SOMEONE = ['ReconBreak', 'Failed', 'AwaitingApproval', 'AwaitingZoeReview'];
const WORKING = ['Starting', 'Reconciling', 'Scanning', 'Trading', 'Traded'];

export interface StuckAccount {
  workflowId: string;
  accountId: string;
  stage: string;
  since: string;
  minutes: number;
  reason: string;
}

function reasonFor(s: AccountDayStatus): string {
  switch (s.stage) {
    case 'Failed':
      return s.lastError ?? 'a step failed';
    case 'ReconBreak':
      return `${s.breaks} open reconciliation break(s); resolveBreak or skipToday`;
    case 'AwaitingApproval':
      return `waiting for advisor ${s.advisorId} until ${s.deadlines.approvalCutoff}`;
    case 'AwaitingZoeReview':
      return `waiting for a Zoe trader: ${s.proposal?.flags.join('; ') ?? ''}`;
    default:
      return `no progress in stage ${s.stage} (an activity may be retrying: see Pending Activities in the UI)`;
  }
}

export async function findStuck(
  client: Client,
  tradeDate: string,
  thresholdMinutes: number,
  now = Date.now(),
) {
  const stages = [...NEEDS_SOMEONE, ...WORKING].map((s) => `"${s}"`).join(', ');
  const query = `WorkflowType="AccountDay" AND TradeDate="${tradeDate}" AND ExecutionStatus="Running" AND Stage IN (${stages})`;
  const out: StuckAccount[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const s = await client.workflow.getHandle(wf.workflowId).query(statusQuery);
    const since = s.stageHistory[s.stageHistory.length - 1]?.at ?? s.deadlines.approvalCutoff;
    const minutes = Math.floor((now - Date.parse(since)) / 60_000);
    const needsSomeone = s.stage === 'Failed' || s.stage === 'ReconBreak';
    if (needsSomeone || minutes >= thresholdMinutes) {
      out.push({
        workflowId: wf.workflowId,
        accountId: s.accountId,
        stage: s.stage,
        since,
        minutes,
        reason: reasonFor(s),
      });
    }
  }
  return out.sort((a, b) => b.minutes - a.minutes);
}

export async function opsSignal(
  client: Client,
  action: 'retry' | 'skip' | 'resolve',
  tradeDate: string,
  accountId: string,
  by: string,
  note?: string,
): Promise<AccountDayStatus> {
  const handle = client.workflow.getHandle(accountDayWorkflowId(tradeDate, accountId));
  const signal = { retry: retrySignal, skip: skipTodaySignal, resolve: resolveBreakSignal }[action];
  await handle.signal(signal, { by, note });
  await new Promise((r) => setTimeout(r, 1000));
  return handle.query(statusQuery);
}
