/**
 * Workflow interceptor module (bundled with the workflows by src/workers/worker.ts): every
 * `log` line of a workflow carries its trade date and, for an AccountDay, its account, beside the
 * workflow id and run id the SDK adds. It only adds log attributes: no command, no state, so
 * histories replay unchanged.
 */
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';
import { logContextOf } from './log-context';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      getLogAttributes: (input, next) => next({ ...logContextOf(workflowInfo().workflowId), ...input }),
    },
  ],
});
