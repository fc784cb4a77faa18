/**
 * Mandatory corporate actions the custodian reports (EXT235) applied to one account's positions and
 * lots before the scan (the rules: src/domain/corporate-actions.ts): splits and reverse splits (the
 * fraction of a whole-share security goes as cash in lieu), stock mergers (the lots move to the new
 * security), cash mergers (the lots close, their gains realized). Symbol and CUSIP changes rename
 * the security for every account at once (./reference-data.ts). Each row is applied to an account
 * once (`corporate_action_postings`), audited with its source.
 */
import type { Knex } from 'knex';
import type { CorporateAction } from '../../custodian/files';
import {
  type HeldLot,
  applyStockFactor,
  closeLotsForCash,
  unlottedAfterFactor,
} from '../../domain/corporate-actions';
import { holdingTerm } from '../../domain/engine';
import { ZERO, cashStr, dec, qtyStr, sum } from '../../domain/money';
import { writeAudit } from '../audit';
import type { SyncContext } from './context';

export interface ActionRow {
  process_date: string;
  line_no: number;
  action: CorporateAction;
  cusip: string;
  cusip_old: string | null;
  symbol: string;
  symbol_old: string | null;
  stock_factor: string | null;
  cash_factor: string | null;
}

interface LotRow {
  id: string;
  open_date: string;
  qty: string;
  unit_cost: string;
}

/** Our security an action is about: by CUSIP (current or old), else by symbol. */
export async function securityOf(
  trx: Knex.Transaction,
  cusip: string | null,
  symbol: string | null,
): Promise<{ symbol: string; fractionable: boolean } | undefined> {
  const up = (s: string | null) => (s ?? '').trim().toUpperCase();
  return (
    (cusip
      ? await trx('securities')
          .where((q) =>
            q.whereRaw('upper(cusip) = ?', [up(cusip)]).orWhereRaw('upper(cusip_old) = ?', [up(cusip)]),
          )
          .first('symbol', 'fractionable')
      : undefined) ??
    (symbol
      ? await trx('securities')
          .whereRaw('upper(symbol) = ?', [up(symbol)])
          .first('symbol', 'fractionable')
      : undefined)
  );
}

export interface ActionPosting {
  processDate: string;
  line: number;
  action: CorporateAction;
  symbol: string;
  before: string;
  after: string;
  fraction?: string;
}

/** The EXT235 rows that move holdings, of the process dates after `since` up to `tradeDate`, in file order. */
export function corporateActionsSince(q: Knex, since: string, tradeDate: string): Promise<ActionRow[]> {
  return q('custodian_corporate_actions')
    .where('process_date', '>', since)
    .where('process_date', '<=', tradeDate)
    .whereIn('action', ['SPLIT', 'REVERSE_SPLIT', 'STOCK_MERGER', 'CASH_MERGER'])
    .orderBy(['process_date', 'line_no']);
}

/** Applies the EXT235 rows of the files from `ctx.since` (exclusive) to the trade date to the account. */
export async function postCorporateActions(
  trx: Knex.Transaction,
  ctx: SyncContext,
): Promise<ActionPosting[]> {
  const rows = ctx.corporateActions ?? (await corporateActionsSince(trx, ctx.since, ctx.tradeDate));
  const out: ActionPosting[] = [];
  for (const a of rows) {
    const done = await trx('corporate_action_postings')
      .where({ process_date: a.process_date, line_no: a.line_no, account_id: ctx.account.id })
      .first();
    if (done) continue;
    const p = await applyAction(trx, ctx, a);
    if (!p) continue;
    out.push(p);
    await trx('corporate_action_postings').insert({
      process_date: a.process_date,
      line_no: a.line_no,
      account_id: ctx.account.id,
      action: a.action,
      symbol: p.symbol,
      details: JSON.stringify(p),
    });
    await writeAudit(trx, {
      actor: 'sync',
      action: 'CORPORATE_ACTION_POSTED',
      entity: 'account',
      entityId: ctx.account.id,
      details: { tradeDate: ctx.tradeDate, file: ctx.fileName(a.process_date, 'EXT235'), ...p },
      idempotencyKey: `ca-posted:${ctx.account.id}:${a.process_date}:${a.line_no}`,
    });
  }
  return out;
}

/** One action on the account's holding; undefined when the account does not hold the security. */
async function applyAction(
  trx: Knex.Transaction,
  ctx: SyncContext,
  a: ActionRow,
): Promise<ActionPosting | undefined> {
  const merger = a.action === 'STOCK_MERGER';
  const sec = merger
    ? await securityOf(trx, a.cusip_old, a.symbol_old)
    : await securityOf(trx, a.cusip, a.symbol);
  if (!sec) return undefined;
  const accountId = ctx.account.id;
  const pos = await trx('positions').where({ account_id: accountId, symbol: sec.symbol }).forUpdate().first();
  const lots: LotRow[] = await trx('tax_lots')
    .where({ account_id: accountId, symbol: sec.symbol })
    .where('qty', '>', 0)
    .orderBy(['open_date', 'id'])
    .forUpdate();
  const before = qtyStr(dec(pos?.qty ?? '0'));
  if (dec(before).isZero() && lots.length === 0) return undefined;
  const base = { processDate: a.process_date, line: a.line_no, action: a.action, symbol: sec.symbol, before };
  if (a.action === 'CASH_MERGER') {
    await closeForCash(trx, ctx, a, sec.symbol, lots);
    await setPosition(trx, accountId, sec.symbol, '0');
    return { ...base, after: '0.00000' };
  }
  const target = merger ? await securityOf(trx, a.cusip, a.symbol) : sec;
  if (!target)
    throw new Error(
      `EXT235 ${a.process_date} line ${a.line_no}: the merger's new security ${a.symbol} is not in the book`,
    );
  const held: HeldLot[] = lots.map((l) => ({
    lotId: l.id,
    openDate: l.open_date,
    qty: l.qty,
    unitCost: l.unit_cost,
  }));
  const r = applyStockFactor(held, a.stock_factor!, !target.fractionable);
  for (const l of r.lots)
    await trx('tax_lots')
      .where({ id: l.lotId })
      .update({ qty: l.qty, unit_cost: l.unitCost, symbol: target.symbol });
  const outside = unlottedAfterFactor(before, qtyStr(sum(lots.map((l) => dec(l.qty)))), a.stock_factor!);
  const after = qtyStr(dec(r.qty).plus(dec(outside)));
  // A merger into a security the account holds already adds to that holding.
  const already = merger ? dec(await heldQty(trx, accountId, target.symbol)) : ZERO;
  if (merger) await setPosition(trx, accountId, sec.symbol, '0');
  await setPosition(trx, accountId, target.symbol, qtyStr(dec(after).plus(already)));
  if (dec(r.fraction).gt(0))
    await recordFraction(trx, ctx, a, target.symbol, r.fraction, r.fractionCost, held);
  return {
    ...base,
    symbol: target.symbol,
    after,
    ...(dec(r.fraction).gt(0) ? { fraction: r.fraction } : {}),
  };
}

async function heldQty(trx: Knex.Transaction, accountId: string, symbol: string): Promise<string> {
  const p = await trx('positions').where({ account_id: accountId, symbol }).first('qty');
  return p?.qty ?? '0';
}

async function setPosition(
  trx: Knex.Transaction,
  accountId: string,
  symbol: string,
  qty: string,
): Promise<void> {
  const n = await trx('positions')
    .where({ account_id: accountId, symbol })
    .update({ qty, updated_at: trx.fn.now() });
  if (n === 0 && dec(qty).gt(0)) await trx('positions').insert({ account_id: accountId, symbol, qty });
}

/** A cash merger: every lot closed at the cash factor, its gain realized (the cash comes in EXT869). */
async function closeForCash(
  trx: Knex.Transaction,
  ctx: SyncContext,
  a: ActionRow,
  symbol: string,
  lots: LotRow[],
): Promise<void> {
  const closed = closeLotsForCash(
    lots.map((l) => ({ lotId: l.id, openDate: l.open_date, qty: l.qty, unitCost: l.unit_cost })),
    a.cash_factor!,
  );
  for (const c of closed) {
    await trx('tax_lots').where({ id: c.lotId }).update({ qty: '0' });
    await trx('realized_lots')
      .insert({
        account_id: ctx.account.id,
        symbol,
        lot_id: c.lotId,
        open_date: c.openDate,
        close_date: a.process_date,
        qty: c.qty,
        cost: c.cost,
        proceeds: c.proceeds,
        gain: c.gain,
        term: holdingTerm(c.openDate, a.process_date),
        source: 'CASH_MERGER',
        source_ref: `EXT235/${a.process_date}/${a.line_no}`,
      })
      .onConflict(['source_ref', 'lot_id'])
      .ignore();
  }
}

/**
 * The fraction of a whole-share security taken off as cash in lieu: realized against the cash the
 * custodian paid for it (its EXT869 line of the same morning), or at cost while that line is not in.
 */
async function recordFraction(
  trx: Knex.Transaction,
  ctx: SyncContext,
  a: ActionRow,
  symbol: string,
  fraction: string,
  cost: string,
  lots: HeldLot[],
): Promise<void> {
  const line = await trx('custodian_cash_activity')
    .where({ process_date: a.process_date, account_number: ctx.account.custodianNumber })
    .whereRaw('upper(description) LIKE ?', [`CASH IN LIEU ${symbol.toUpperCase()}%`])
    .first('amount_in');
  const proceeds = line?.amount_in ?? cost;
  const newest = [...lots].sort((x, y) => (x.openDate < y.openDate ? 1 : -1))[0]!;
  await trx('realized_lots')
    .insert({
      account_id: ctx.account.id,
      symbol,
      lot_id: newest.lotId,
      open_date: newest.openDate,
      close_date: a.process_date,
      qty: fraction,
      cost,
      proceeds,
      gain: cashStr(dec(proceeds).minus(dec(cost))),
      term: holdingTerm(newest.openDate, a.process_date),
      source: 'CASH_IN_LIEU',
      source_ref: `EXT235/${a.process_date}/${a.line_no}`,
    })
    .onConflict(['source_ref', 'lot_id'])
    .ignore();
}
