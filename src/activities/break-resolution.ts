/**
 * Ops resolving an account's breaks, and choosing what happens (docs/book-sync.md):
 * - EXPLAINED (the default): the difference is explained by a named item (a deposit in transit, a
 *   DRIP the custodian booked late...); the book is not changed, and the same difference does not
 *   reopen while it persists (src/activities/breaks.ts);
 * - ADOPT: the custodian is the record: its figure is posted to the book, audited with before and
 *   after: a cash difference as an ADJUSTMENT flow, a position and its lots as the custodian's lot
 *   file has them, a cost-basis difference as the custodian's lot.
 * Breaks the morning's files cannot settle this way (EXECUTION, SETTLEMENT) are marked explained.
 */
import type { Knex } from 'knex';
import { type Dec, ZERO, cashStr, dec, qtyStr } from '../domain/money';
import { UNRESOLVED_STATUSES } from '../domain/recon';
import { writeAudit } from './audit';
import { addToCash } from './sync/cash';

export type Resolution = 'ADOPT' | 'EXPLAINED';

export interface ResolveBreaksInput {
  tradeDate: string;
  accountId: string;
  by: string;
  note: string;
  /** What happens to the book (default EXPLAINED). */
  resolution?: Resolution;
  /** The named item that explains the difference (EXPLAINED; default: the note). */
  explainedBy?: string;
}

interface OpenBreak {
  id: number;
  type: string;
  key: string;
  symbol: string | null;
  ours: string;
  theirs: string;
  diff: string;
  trade_date: string;
}

/** Resolves every unresolved break of the account up to the trade date; returns how many. */
export async function resolveAccountBreaks(db: Knex, input: ResolveBreaksInput): Promise<number> {
  return db.transaction(async (trx) => {
    const open: OpenBreak[] = await trx('breaks')
      .where({ account_id: input.accountId })
      .where('trade_date', '<=', input.tradeDate)
      .whereIn('status', UNRESOLVED_STATUSES)
      .orderBy('id')
      .forUpdate();
    const adopt = input.resolution === 'ADOPT';
    const explainedBy = input.explainedBy?.trim() || input.note.trim() || `ops (${input.by})`;
    for (const b of open) {
      const adopted = adopt ? await adoptCustodian(trx, input, b) : undefined;
      await trx('breaks')
        .where({ id: b.id })
        .update({
          status: 'RESOLVED_MANUAL',
          resolved_at: trx.fn.now(),
          resolved_by: input.by,
          note: input.note,
          resolution: adopted ? 'ADOPTED' : 'EXPLAINED',
          explained_by: adopted ? null : explainedBy,
        });
      await writeAudit(trx, {
        actor: input.by,
        action: adopted ? 'BREAK_ADOPTED' : 'BREAK_EXPLAINED',
        entity: 'break',
        entityId: String(b.id),
        details: {
          accountId: input.accountId,
          tradeDate: input.tradeDate,
          type: b.type,
          key: b.key,
          note: input.note,
          ...(adopted ? { posted: adopted } : { explainedBy }),
        },
      });
    }
    await writeAudit(trx, {
      actor: input.by,
      action: 'BREAKS_RESOLVED',
      entity: 'account',
      entityId: input.accountId,
      details: {
        tradeDate: input.tradeDate,
        count: open.length,
        note: input.note,
        resolution: input.resolution ?? 'EXPLAINED',
      },
    });
    return open.length;
  });
}

/** The custodian's figure posted to the book for one break; undefined when adopting does not apply. */
async function adoptCustodian(
  trx: Knex.Transaction,
  input: ResolveBreaksInput,
  b: OpenBreak,
): Promise<Record<string, unknown> | undefined> {
  if (b.type === 'CASH') {
    const amount = cashStr(dec(b.diff));
    await trx('cash_flows').insert({
      id: `CF-ADJ-${b.id}`,
      account_id: input.accountId,
      type: 'ADJUSTMENT',
      amount,
      effective_date: input.tradeDate,
      status: 'POSTED',
      source: 'OPS',
      source_ref: `ops:break:${b.id}`,
      posted_date: input.tradeDate,
      description: `adopted the custodian's cash (break ${b.id}): ${input.note}`,
      requested_by: input.by,
    });
    const after = await addToCash(trx, input.accountId, amount);
    return { cash: { before: b.ours, after, adjustment: amount } };
  }
  if ((b.type === 'POSITION' || b.type === 'COST_BASIS') && b.symbol) return adoptHolding(trx, input, b);
  return undefined;
}

/**
 * A holding as the custodian has it: its lots of the symbol from the lot file of the break's day
 * (replacing the book's), or, without a lot file for the account, the quantity alone (shares added
 * as an adjustment lot at the day's price, or taken off the newest lots).
 */
async function adoptHolding(
  trx: Knex.Transaction,
  input: ResolveBreaksInput,
  b: OpenBreak,
): Promise<Record<string, unknown>> {
  const symbol = b.symbol!;
  const acct = await trx('accounts').where({ id: input.accountId }).first('custodian_account_number');
  const cusip = (await trx('securities').where({ symbol }).first('cusip'))?.cusip;
  const lotDate = (
    await trx('custodian_lots')
      .where({ account_number: acct.custodian_account_number })
      .where('process_date', '<=', input.tradeDate)
      .max('process_date as d')
      .first()
  )?.d as string | null;
  const theirLots: { lot_id: string; open_trade_date: string; qty: string; unit_cost: string }[] = lotDate
    ? await trx('custodian_lots')
        .where({ process_date: lotDate, account_number: acct.custodian_account_number })
        .where((q) =>
          q.whereRaw('upper(symbol) = ?', [symbol]).orWhereRaw('upper(cusip) = upper(?)', [cusip ?? '']),
        )
    : [];
  const ours: { id: string; qty: string; unit_cost: string; open_date: string }[] = await trx('tax_lots')
    .where({ account_id: input.accountId, symbol })
    .where('qty', '>', 0)
    .orderBy([
      { column: 'open_date', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
  const before = { qty: b.ours, lots: ours.map((l) => ({ id: l.id, qty: l.qty, unitCost: l.unit_cost })) };
  let qty: Dec;
  if (theirLots.length > 0 || b.type === 'COST_BASIS') {
    await trx('tax_lots').where({ account_id: input.accountId, symbol }).update({ qty: '0' });
    for (const l of theirLots)
      await trx('tax_lots')
        .insert({
          id: l.lot_id,
          account_id: input.accountId,
          symbol,
          open_date: l.open_trade_date,
          qty: l.qty,
          unit_cost: l.unit_cost,
          source: 'CUSTODIAN',
        })
        .onConflict('id')
        .merge(['qty', 'unit_cost', 'open_date']);
    qty = theirLots.reduce((s, l) => s.plus(dec(l.qty)), ZERO);
    if (b.type === 'POSITION') qty = dec(b.theirs);
  } else {
    qty = dec(b.theirs);
    const diff = qty.minus(dec(b.ours));
    if (diff.gt(0)) {
      const px = (
        await trx('prices')
          .where({ symbol })
          .where('date', '<=', input.tradeDate)
          .orderBy('date', 'desc')
          .first('close')
      )?.close;
      await trx('tax_lots').insert({
        id: `ADJ-${b.id}`,
        account_id: input.accountId,
        symbol,
        open_date: input.tradeDate,
        qty: qtyStr(diff),
        unit_cost: dec(px ?? '0').toFixed(6),
        source: 'ADJUSTMENT',
      });
    } else {
      let left = diff.neg();
      for (const l of ours) {
        if (!left.gt(0)) break;
        const take = dec(l.qty).gt(left) ? left : dec(l.qty);
        await trx('tax_lots')
          .where({ id: l.id })
          .update({ qty: qtyStr(dec(l.qty).minus(take)) });
        left = left.minus(take) as Dec;
      }
    }
  }
  if (b.type === 'POSITION') {
    const n = await trx('positions')
      .where({ account_id: input.accountId, symbol })
      .update({ qty: qtyStr(qty), updated_at: trx.fn.now() });
    if (n === 0) await trx('positions').insert({ account_id: input.accountId, symbol, qty: qtyStr(qty) });
  }
  return {
    symbol,
    before,
    after: { qty: qtyStr(qty), lotsFrom: theirLots.length ? `EXT_TAXLOT ${lotDate}` : 'adjustment' },
  };
}
