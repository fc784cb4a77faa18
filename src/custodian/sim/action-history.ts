/**
 * The corporate actions the simulated custodian has applied (./corporate-action-apply.ts), as the
 * "as of a date" computations replay them: the lot replay applies each at its process date to the
 * lots open then (./lots.ts), and a trade not settled yet is carried into the shares and symbol of
 * the morning that reports it (./settlement.ts). Positions need no replay: each applied action's
 * effect per account is recorded (sim.corporate_action_effects) and undone from the current state.
 */
import type { Knex } from 'knex';
import { Dec, dec } from '../../domain/money';
import type { CorporateAction } from '../files';

export interface AppliedAction {
  id: number;
  processDate: string;
  action: CorporateAction;
  /** The simulator symbol whose holdings it changed. */
  from: string;
  /** The symbol those holdings are under after it (= from for a split); null: paid in cash. */
  to: string | null;
  /** New shares per old share (null for a symbol change or a cash merger). */
  stockFactor: string | null;
  cashFactor: string | null;
  /** The security the holdings are in after it trades in whole shares only. */
  wholeShares: boolean;
}

interface ActionRow {
  id: number;
  process_date: string;
  action: CorporateAction;
  applied_from: string;
  applied_to: string | null;
  stock_factor: string | null;
  cash_factor: string | null;
  whole_shares: boolean | null;
}

/** The applied actions that changed a holding, in the order they were applied (process date, id). */
export async function appliedActions(db: Knex): Promise<AppliedAction[]> {
  const rows: ActionRow[] = await db('sim.corporate_actions')
    .whereNotNull('applied_at')
    .whereNotNull('applied_from')
    .orderBy([{ column: 'process_date' }, { column: 'id' }])
    .select(
      'id',
      'process_date',
      'action',
      'applied_from',
      'applied_to',
      'stock_factor',
      'cash_factor',
      'whole_shares',
    );
  return rows.map((r) => ({
    id: Number(r.id),
    processDate: r.process_date,
    action: r.action,
    from: r.applied_from,
    to: r.applied_to,
    stockFactor: r.stock_factor,
    cashFactor: r.cash_factor,
    wholeShares: r.whole_shares === true,
  }));
}

/**
 * Where a holding of `symbol` at the end of `afterDate` stands at the start of `throughDate`: the
 * symbol it is under and the shares per share it had (the actions of process dates in
 * (afterDate, throughDate]); null when it was paid out in cash.
 */
export function carryHolding(
  actions: readonly AppliedAction[],
  symbol: string,
  afterDate: string,
  throughDate: string,
): { symbol: string; factor: Dec } | null {
  let cur = symbol;
  let factor = new Dec(1);
  for (const a of actions) {
    if (a.processDate <= afterDate || a.processDate > throughDate || a.from !== cur) continue;
    if (a.to === null) return null;
    if (a.stockFactor !== null) factor = factor.times(dec(a.stockFactor));
    cur = a.to;
  }
  return { symbol: cur, factor };
}

/** The name `symbol` had at the end of `date`: the symbol changes after it undone. */
export function nameBefore(actions: readonly AppliedAction[], symbol: string, date: string): string {
  let cur = symbol;
  for (let i = actions.length - 1; i >= 0; i--) {
    const a = actions[i]!;
    if (a.action === 'SYMBOL_CHANGE' && a.processDate > date && a.to === cur) cur = a.from;
  }
  return cur;
}
