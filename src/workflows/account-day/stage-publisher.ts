/**
 * What ops see of an AccountDay without opening it: the `Stage` and `BreakCount` search
 * attributes (the UI's filters, `ops stuck`, the day's progress) and the memo's one-line summary.
 *
 * Each write is a command, an event in the history and a row update in Temporal's visibility
 * store. Before the v7 patch (`WAIT_STAGES_EARLY_END_PATCH`, ./workflow.ts) every stage the
 * account passed was written at once, twice (search attribute and memo): 20 of the 51 events of
 * an auto account's day (v6), most of them for stages that last a few milliseconds inside one
 * workflow task (`Scanning` between the reconcile and the proposal, `AwaitingAllocation` and
 * `Traded` between the blocks and the confirms' timer). Since the patch the stage is written
 * where the account waits (before every condition or timer), when a step fails, and at the end,
 * with the identity attributes and any changed break count in the same single upsert: 10 writes
 * in that day's 43 events (v7). The `status` query still lists every stage in `stageHistory`. A
 * step that retries shows the stage written before it (`Reconciling` for the morning's steps)
 * until it succeeds or, after its attempts, `Failed`.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../search-attributes';
import type { Stage } from '../stages';

export class StagePublisher {
  /** Search attributes set but not written yet (at-waits mode only). */
  private readonly pending = new Map<string, SearchAttributeUpdatePair>();
  private memo: Record<string, string> = {};
  private writtenStage?: Stage;
  private writtenBreaks?: number;
  private stage?: Stage;

  constructor(
    /** True since the v7 patch: writes wait for `publish()`. */
    private readonly atWaits: boolean,
  ) {}

  /** The search attributes an account's day carries from its start (account, advisor, date, mode). */
  identity(pairs: SearchAttributeUpdatePair[]): void {
    if (!this.atWaits) {
      upsertSearchAttributes(pairs);
      return;
    }
    for (const p of pairs) this.pending.set(p.key.name, p);
  }

  /** The account entered `stage`; `summary` is the memo's line for it. */
  enter(stage: Stage, summary: string): void {
    if (!this.atWaits) {
      upsertSearchAttributes([{ key: SA.Stage, value: stage }]);
      upsertMemo({ summary });
      return;
    }
    this.stage = stage;
    this.memo.summary = summary;
  }

  /** The open breaks the reconciliation left. */
  breaks(openBreaks: number): void {
    if (!this.atWaits) {
      upsertSearchAttributes([{ key: SA.BreakCount, value: openBreaks }]);
      return;
    }
    if (openBreaks === this.writtenBreaks) this.pending.delete(SA.BreakCount.name);
    else this.pending.set(SA.BreakCount.name, { key: SA.BreakCount, value: openBreaks });
  }

  /** A memo entry besides the summary (e.g. `carried`). */
  note(key: string, value: string): void {
    if (!this.atWaits) {
      upsertMemo({ [key]: value });
      return;
    }
    this.memo[key] = value;
  }

  /** Writes what changed since the last write: one search-attribute upsert and one memo upsert at most. */
  publish(): void {
    if (!this.atWaits) return;
    if (this.stage !== undefined && this.stage !== this.writtenStage) {
      this.pending.set(SA.Stage.name, { key: SA.Stage, value: this.stage });
    }
    if (this.pending.size > 0) {
      const breaks = this.pending.get(SA.BreakCount.name);
      upsertSearchAttributes([...this.pending.values()]);
      if (breaks) this.writtenBreaks = breaks.value as number;
      this.writtenStage = this.stage;
      this.pending.clear();
    }
    if (Object.keys(this.memo).length > 0) {
      upsertMemo(this.memo);
      this.memo = {};
    }
  }
}
