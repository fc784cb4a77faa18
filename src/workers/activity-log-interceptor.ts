/**
 * Activity interceptor: every `log` line of an activity (and the SDK's own "Activity started,
 * completed, failed" lines) carries the trade date and account of the workflow that called it,
 * or the account its input names (`accountId`, `proposalId` P{yyyymmdd}-{account}).
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { logContextOf } from './log-context';

function accountOfInput(arg: unknown): string | undefined {
  const a = (arg ?? {}) as { accountId?: unknown; proposalId?: unknown };
  if (typeof a.accountId === 'string') return a.accountId;
  if (typeof a.proposalId === 'string') return /^P\d{8}-(.+)$/.exec(a.proposalId)?.[1];
  return undefined;
}

export const activityLogContext: ActivityInterceptorsFactory = (ctx: Context) => {
  let fromInput: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        fromInput = accountOfInput(input.args[0]);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(attrs, next) {
        const context = logContextOf(ctx.info.workflowExecution?.workflowId);
        return next({
          ...context,
          ...(fromInput && !context.accountId ? { accountId: fromInput } : {}),
          ...attrs,
        });
      },
    },
  };
};
