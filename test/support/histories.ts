/**
 * Recording workflow histories for the replay test. With RECORD_HISTORIES=1 (see
 * `npm run histories:record`) the time-skipping tests write the histories of the workflows
 * they ran to test/histories/{name}.{tag}.pb; test/workflows/replay.test.ts replays them all.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');
/** The workflow code's version tag for newly recorded histories; older ones stay and replay. */
export const HISTORY_TAG = process.env.HISTORY_TAG ?? 'v9';

export async function recordHistories(client: Client, byName: Record<string, string>): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  for (const [name, workflowId] of Object.entries(byName)) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    // Encoded protobuf: the SDK's own types read it back exactly (its JSON reader is pinned to
    // another protobufjs major than @temporalio/proto here).
    writeFileSync(
      path.join(HISTORIES_DIR, `${name}.${HISTORY_TAG}.pb`),
      temporal.api.history.v1.History.encode(history).finish(),
    );
  }
}
