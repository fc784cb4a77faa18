/**
 * What a morning's files change for every account at once, applied when they are ingested (before
 * any account reconciles): the custodian's closes become the book's prices (EXT747: the previous
 * trading day's close of each security, split-adjusted by the custodian), symbol and CUSIP changes
 * rename or re-identify the security (EXT235), and a stock merger's new security joins the book.
 * Idempotent: applying the same morning twice changes nothing.
 */
import type { Knex } from 'knex';
import { previousTradingDay } from '../../domain/calendar';
import { writeAudit } from '../audit';
import { type ActionRow, securityOf } from './corporate-actions';

/** Applies the reference data of `processDate`'s ingested files to the book. */
export async function applyReferenceData(trx: Knex.Transaction, processDate: string): Promise<void> {
  const actions: ActionRow[] = await trx('custodian_corporate_actions')
    .where({ process_date: processDate })
    .whereIn('action', ['SYMBOL_CHANGE', 'CUSIP_CHANGE', 'STOCK_MERGER'])
    .orderBy('line_no');
  for (const a of actions) await applyIdentityChange(trx, a);
  await adoptCloses(trx, processDate);
}

/** A symbol change renames our security (positions, lots and prices follow by cascade), a CUSIP change re-identifies it. */
async function applyIdentityChange(trx: Knex.Transaction, a: ActionRow): Promise<void> {
  const key = `reference:${a.process_date}:${a.line_no}`;
  if (await trx('audit_log').where({ idempotency_key: key }).first('id')) return;
  let change: Record<string, unknown> | undefined;
  if (a.action === 'SYMBOL_CHANGE' && a.symbol_old) {
    const sec = await securityOf(trx, a.cusip, a.symbol_old);
    if (sec && sec.symbol !== a.symbol) {
      await renameSecurity(trx, sec.symbol, a.symbol);
      await recordSuccession(trx, sec.symbol, a.symbol, a);
      change = { from: sec.symbol, to: a.symbol };
    }
  } else if (a.action === 'CUSIP_CHANGE' && a.cusip_old) {
    const sec = await securityOf(trx, a.cusip_old, a.symbol);
    if (sec) {
      await trx('securities')
        .where({ symbol: sec.symbol })
        .update({ cusip_old: a.cusip_old, cusip: a.cusip });
      change = { symbol: sec.symbol, from: a.cusip_old, to: a.cusip };
    }
  } else if (a.action === 'STOCK_MERGER') {
    change = await addMergerSecurity(trx, a);
  }
  if (!change) return;
  await writeAudit(trx, {
    actor: 'sync',
    action: `SECURITY_${a.action}`,
    entity: 'security',
    entityId: a.symbol,
    details: { processDate: a.process_date, line: a.line_no, ...change },
    idempotencyKey: key,
  });
}

/**
 * The ticker changes everywhere the book points at the security: the securities row (positions,
 * lots, prices by cascade), restrictions, TLH alternates and ESG exclusions. A published model
 * version is immutable: its targets are read through security_successions
 * (src/book/engine-inputs.ts). Past orders and proposals keep the ticker they traded under;
 * `symbol_old` remembers it.
 */
async function renameSecurity(trx: Knex.Transaction, from: string, to: string): Promise<void> {
  await trx('securities').where({ symbol: from }).update({ symbol: to, symbol_old: from });
  await trx('restrictions').where({ symbol: from }).update({ symbol: to });
  await trx.raw(
    `UPDATE securities SET tlh_alternates = (
       SELECT coalesce(jsonb_agg(CASE WHEN x = to_jsonb(?::text) THEN to_jsonb(?::text) ELSE x END), '[]'::jsonb)
       FROM jsonb_array_elements(tlh_alternates) x)
     WHERE tlh_alternates @> to_jsonb(ARRAY[?::text])`,
    [from, to, from],
  );
  await trx.raw(
    `UPDATE accounts SET overrides = jsonb_set(overrides, '{esgExcluded}', (
       SELECT coalesce(jsonb_agg(CASE WHEN x = to_jsonb(?::text) THEN to_jsonb(?::text) ELSE x END), '[]'::jsonb)
       FROM jsonb_array_elements(overrides->'esgExcluded') x))
     WHERE overrides->'esgExcluded' @> to_jsonb(ARRAY[?::text])`,
    [from, to, from],
  );
}

/** What `from` became, for configuration that still names it. */
async function recordSuccession(
  trx: Knex.Transaction,
  from: string,
  to: string,
  a: ActionRow,
): Promise<void> {
  await trx('security_successions')
    .insert({ old_symbol: from, new_symbol: to, action: a.action, effective_date: a.process_date })
    .onConflict('old_symbol')
    .merge();
}

/** A stock merger's new security, as the old one was (asset class, fractionable, alternates). */
async function addMergerSecurity(
  trx: Knex.Transaction,
  a: ActionRow,
): Promise<Record<string, unknown> | undefined> {
  if (await securityOf(trx, a.cusip, a.symbol)) return undefined;
  const old = await securityOf(trx, a.cusip_old, a.symbol_old);
  if (!old) return undefined;
  const row = await trx('securities').where({ symbol: old.symbol }).first();
  await trx('securities').insert({
    symbol: a.symbol,
    cusip: a.cusip,
    description: `${a.symbol} (merged from ${old.symbol})`,
    type: row.type,
    asset_class: row.asset_class,
    fractionable: row.fractionable,
    tlh_alternates: JSON.stringify(row.tlh_alternates ?? []),
  });
  // The model keeps its exposure: its published targets (immutable) are read through the succession.
  await recordSuccession(trx, old.symbol, a.symbol, a);
  return { from: old.symbol, to: a.symbol };
}

/**
 * EXT747's closing prices become the book's prices for the trading day before the process date
 * (the custodian's close, adjusted by it for any split effective that morning). Securities the
 * book does not know, or a zero close, are left out.
 */
async function adoptCloses(trx: Knex.Transaction, processDate: string): Promise<void> {
  const date = previousTradingDay(processDate);
  await trx.raw(
    `INSERT INTO prices (symbol, date, close)
     SELECT DISTINCT ON (s.symbol) s.symbol, ?::date, c.closing_price
     FROM custodian_securities c
     JOIN securities s ON upper(s.cusip) = upper(c.cusip) OR upper(s.cusip_old) = upper(c.cusip)
     WHERE c.process_date = ? AND c.closing_price > 0
     ORDER BY s.symbol, (upper(s.cusip) = upper(c.cusip)) DESC
     ON CONFLICT (symbol, date) DO UPDATE SET close = EXCLUDED.close`,
    [date, processDate],
  );
}
