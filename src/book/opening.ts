/**
 * Opening balances: an account's tax lots (its positions are their sums), cash and cash flows as
 * a firm brings them into the book (the CSV import), or as the custodian's files show them
 * (onboarding). Loaded once: the same again is no change; different lots or cash for an account
 * that has some already are refused (they are the book's now, moved by trading). The book only:
 * the custodian holds its own records.
 */
import type { Knex } from 'knex';
import type { CashFlowInput, OpeningLot } from '../domain/config/opening';
import { Dec, cashStr, qtyStr } from '../domain/money';
import { type BookContext, audit, conflict, inTransaction, invalid, notFound } from './context';

async function openAccount(db: Knex, accountId: string, field = 'accountId'): Promise<void> {
  const a = await db('accounts').where({ id: accountId }).first('status');
  if (!a) throw notFound(field, `account ${accountId} not found`);
  if (a.status === 'CLOSED') throw conflict(field, `account ${accountId} is closed`);
}

const lotKey = (l: { lotId: string; symbol: string; openDate: string; qty: string; unitCost: string }) =>
  `${l.lotId}|${l.symbol}|${l.openDate}|${new Dec(l.qty).toString()}|${new Dec(l.unitCost).toString()}`;

/**
 * Loads one account's opening lots (`lots.i.field` names a lot in errors). `source` is recorded
 * on each lot (OPENING from an import, CUSTODIAN when adopted from the custodian's files).
 */
export async function loadOpeningLots(
  ctx: BookContext,
  accountId: string,
  lots: readonly Omit<OpeningLot, 'accountId'>[],
  source = 'OPENING',
): Promise<{ changed: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    await openAccount(trx, accountId);
    const symbols = [...new Set(lots.map((l) => l.symbol))];
    const known = new Set(
      (await trx('securities').whereIn('symbol', symbols).select('symbol')).map(
        (r: { symbol: string }) => r.symbol,
      ),
    );
    lots.forEach((l, i) => {
      if (!known.has(l.symbol))
        throw invalid(`lots.${i}.symbol`, `${l.symbol} is not a security of the book`);
      const first = lots.findIndex((x) => x.lotId === l.lotId);
      if (first !== i) throw invalid(`lots.${i}.lotId`, `lot ${l.lotId} is listed twice`);
    });
    const held: { id: string; symbol: string; open_date: string; qty: string; unit_cost: string }[] =
      await trx('tax_lots').where({ account_id: accountId }).where('qty', '>', 0);
    const positions = await trx('positions')
      .where({ account_id: accountId })
      .where('qty', '>', 0)
      .first('symbol');
    if (held.length || positions) {
      const mine = held.map((h) =>
        lotKey({ lotId: h.id, symbol: h.symbol, openDate: h.open_date, qty: h.qty, unitCost: h.unit_cost }),
      );
      const theirs = lots.map(lotKey);
      if (mine.length === theirs.length && theirs.every((k) => mine.includes(k))) return { changed: false };
      throw conflict(
        'lots',
        `account ${accountId} holds positions in the book already (${held.length} open lots), other than these: opening positions load into an account once`,
      );
    }
    const taken: { id: string; account_id: string }[] = await trx('tax_lots')
      .whereIn(
        'id',
        lots.map((l) => l.lotId),
      )
      .select('id', 'account_id');
    if (taken.length) {
      const i = lots.findIndex((l) => l.lotId === taken[0]!.id);
      throw conflict(`lots.${i}.lotId`, `lot ${taken[0]!.id} is account ${taken[0]!.account_id}'s already`);
    }
    const totals = new Map<string, Dec>();
    for (const l of lots) totals.set(l.symbol, (totals.get(l.symbol) ?? new Dec(0)).plus(l.qty));
    for (let i = 0; i < lots.length; i += 1000) {
      await trx('tax_lots').insert(
        lots.slice(i, i + 1000).map((l) => ({
          id: l.lotId,
          account_id: accountId,
          symbol: l.symbol,
          open_date: l.openDate,
          qty: qtyStr(new Dec(l.qty)),
          unit_cost: new Dec(l.unitCost).toFixed(6),
          source,
        })),
      );
    }
    if (totals.size) {
      await trx('positions').insert(
        [...totals].map(([symbol, qty]) => ({ account_id: accountId, symbol, qty: qtyStr(qty) })),
      );
    }
    await audit(ctx, trx, {
      action: 'OPENING_POSITIONS_LOADED',
      entity: 'account',
      entityId: accountId,
      before: null,
      after: {
        lots: lots.length,
        positions: Object.fromEntries([...totals].map(([s, q]) => [s, qtyStr(q)])),
      },
    });
    return { changed: true };
  });
}

export async function loadOpeningCash(
  ctx: BookContext,
  accountId: string,
  amount: string,
): Promise<{ changed: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    await openAccount(trx, accountId);
    const row = await trx('cash_balances').where({ account_id: accountId }).forUpdate().first();
    if (row) {
      if (new Dec(row.amount).eq(amount)) return { changed: false };
      throw conflict(
        'amount',
        `account ${accountId} has $${row.amount} in the book already: opening cash loads once`,
      );
    }
    await trx('cash_balances').insert({ account_id: accountId, amount: cashStr(new Dec(amount)) });
    await audit(ctx, trx, {
      action: 'OPENING_CASH_LOADED',
      entity: 'account',
      entityId: accountId,
      before: null,
      after: { cash: cashStr(new Dec(amount)) },
    });
    return { changed: true };
  });
}

export async function saveCashFlow(ctx: BookContext, f: CashFlowInput): Promise<{ changed: boolean }> {
  return inTransaction(ctx.db, async (trx) => {
    const values = {
      account_id: f.accountId,
      type: f.type,
      amount: cashStr(new Dec(f.amount)),
      effective_date: f.effectiveDate,
      status: f.status,
      custodian_ref: f.custodianRef ?? null,
    };
    const row = await trx('cash_flows').where({ id: f.id }).first();
    if (row) {
      const same = Object.entries(values).every(([k, v]) =>
        k === 'amount' ? new Dec(row.amount).eq(v as string) : (row[k] ?? null) === v,
      );
      if (same) return { changed: false };
      throw conflict('id', `cash flow ${f.id} is in the book already with other values`);
    }
    await openAccount(trx, f.accountId);
    await trx('cash_flows').insert({ id: f.id, ...values });
    await audit(ctx, trx, {
      action: 'CASH_FLOW_RECORDED',
      entity: 'account',
      entityId: f.accountId,
      before: null,
      after: { id: f.id, ...values },
    });
    return { changed: true };
  });
}
