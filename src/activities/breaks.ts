/**
 * The `breaks` table: writing a reconciliation run's breaks (their lifecycle and age) and reading
 * which securities unresolved breaks hold.
 */
import type { Knex } from 'knex';
import { previousTradingDay } from '../domain/calendar';
import {
  type BreakStatus,
  type BreakType,
  type Hold,
  type ReconResult,
  UNRESOLVED_STATUSES,
  ageInTradingDays,
} from '../domain/recon';
import { writeAudit } from './audit';

export interface BreakRow {
  id: number;
  trade_date: string;
  type: BreakType;
  key: string;
  account_id: string;
  symbol: string | null;
  ours: string;
  theirs: string;
  diff: string;
  status: BreakStatus;
  hold: Hold;
  first_seen_date: string;
  last_seen_date: string;
  /** How ops resolved it: ADOPTED (the book took the custodian's figure) or EXPLAINED (by `explained_by`). */
  resolution: string | null;
}

/** Symbols of the account held by unresolved breaks (whole-account and per-security holds). */
export async function heldSymbols(db: Knex, tradeDate: string, accountId: string): Promise<string[]> {
  const rows: { symbol: string }[] = await db('breaks')
    .where({ account_id: accountId })
    .where('trade_date', '<=', tradeDate)
    .whereIn('status', UNRESOLVED_STATUSES)
    .whereIn('hold', ['ACCOUNT', 'SECURITY'])
    .whereNotNull('symbol')
    .distinct('symbol')
    .orderBy('symbol');
  return rows.map((r) => r.symbol);
}

/**
 * What the unresolved breaks keep the engine from doing, in one read: the securities they hold
 * (`blocked`, as `heldSymbols`) and the purchases not delivered yet (`undelivered`: a SETTLEMENT
 * break's NO_SELL hold, whatever its date), each sorted.
 */
export async function breakHolds(
  db: Knex,
  tradeDate: string,
  accountId: string,
): Promise<{ blocked: string[]; undelivered: string[] }> {
  const rows: { symbol: string; hold: string; trade_date: string }[] = await db('breaks')
    .where({ account_id: accountId })
    .whereIn('status', UNRESOLVED_STATUSES)
    .whereIn('hold', ['ACCOUNT', 'SECURITY', 'NO_SELL'])
    .whereNotNull('symbol')
    .select('symbol', 'hold', 'trade_date');
  const symbols = (keep: (r: (typeof rows)[number]) => boolean) =>
    [...new Set(rows.filter(keep).map((r) => r.symbol))].sort();
  return {
    blocked: symbols((r) => r.hold !== 'NO_SELL' && r.trade_date <= tradeDate),
    undelivered: symbols((r) => r.hold === 'NO_SELL'),
  };
}

/**
 * Writes the run's breaks (one transaction, serialised per account):
 * - a break already unresolved (any earlier day) is updated: values, category, hold, age;
 * - a break ops resolved as explained by a named item stays resolved while the same difference is
 *   found every morning (it is not a new break for the same cause);
 * - a break resolved earlier today (by hand or automatically) stays resolved;
 * - anything else is a new row for the trade date; its age continues from yesterday's row of
 *   the same difference, if there was one (e.g. a TIMING break that did not clear);
 * - TIMING and SECURITY_MASTER breaks are RESOLVED_AUTO, with an audit entry;
 * - an unresolved break of a kind checked today that is no longer found is RESOLVED_AUTO (gone).
 * Returns how many breaks were resolved automatically, and `clean` when nothing was found and the
 * account had no break on record (no transaction then: it has no unresolved break).
 */
export async function writeBreaks(
  db: Knex,
  tradeDate: string,
  accountId: string,
  found: ReconResult,
): Promise<{ autoResolved: number; clean: boolean }> {
  const yesterday = previousTradingDay(tradeDate);
  const checked = new Set<BreakType>(['POSITION']);
  if (found.checked.cash) checked.add('CASH');
  if (found.checked.lots !== null) checked.add('COST_BASIS');
  const knownOf = (q: Knex): Promise<BreakRow[]> =>
    q('breaks')
      .where({ account_id: accountId })
      .where('trade_date', '<=', tradeDate)
      .where((w) =>
        w.whereIn('status', UNRESOLVED_STATUSES).orWhereIn('last_seen_date', [tradeDate, yesterday]),
      )
      .orderBy('id');
  // Nothing found and nothing on record (most accounts, most mornings): nothing to write, so no
  // transaction and no lock; the account has no unresolved break.
  if (found.breaks.length === 0 && (await knownOf(db)).length === 0) return { autoResolved: 0, clean: true };
  const autoResolved = await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`recon:${accountId}`]);
    const known = await knownOf(trx);
    const isOpen = (r: BreakRow) => UNRESOLVED_STATUSES.includes(r.status);
    const touched = new Set<number>();
    let autoResolved = 0;
    const resolvedAuto = async (id: number, details: Record<string, unknown>) => {
      autoResolved++;
      await writeAudit(trx, {
        actor: 'recon',
        action: 'BREAK_RESOLVED_AUTO',
        entity: 'break',
        entityId: String(id),
        details: { accountId, tradeDate, ...details },
        idempotencyKey: `break-auto:${id}`,
      });
    };
    for (const b of found.breaks) {
      const same = (r: BreakRow) => r.type === b.type && r.key === b.key;
      const values = {
        category: b.category,
        symbol: b.symbol,
        ours: b.ours,
        theirs: b.theirs,
        diff: b.diff,
        materiality_usd: b.materialityUsd,
        escalate: b.escalate,
        cause: b.cause,
        hold: b.hold,
        last_seen_date: tradeDate,
      };
      const auto = b.autoResolve
        ? { status: 'RESOLVED_AUTO', resolved_at: trx.fn.now(), resolved_by: 'recon', note: b.cause }
        : {};
      const open = known.find((r) => same(r) && isOpen(r));
      // Ops explained this very difference by a named item: it does not reopen while it persists
      // unchanged (seen every morning); a different difference is a new break.
      const explained =
        !open &&
        known.find(
          (r) =>
            same(r) && r.resolution === 'EXPLAINED' && r.diff === b.diff && r.status === 'RESOLVED_MANUAL',
        );
      if (explained) {
        touched.add(explained.id);
        await trx('breaks').where({ id: explained.id }).update({ last_seen_date: tradeDate });
        continue;
      }
      if (open) {
        touched.add(open.id);
        await trx('breaks')
          .where({ id: open.id })
          .update({ ...values, ...auto, age_days: ageInTradingDays(open.first_seen_date, tradeDate) });
        if (b.autoResolve) await resolvedAuto(open.id, { category: b.category, cause: b.cause });
        continue;
      }
      if (known.some((r) => same(r) && r.last_seen_date === tradeDate)) continue;
      const firstSeen =
        known.find((r) => same(r) && r.last_seen_date === yesterday)?.first_seen_date ?? tradeDate;
      const inserted: { id: number }[] = await trx('breaks')
        .insert({
          trade_date: tradeDate,
          type: b.type,
          key: b.key,
          account_id: accountId,
          ...values,
          first_seen_date: firstSeen,
          age_days: ageInTradingDays(firstSeen, tradeDate),
          status: 'OPEN',
          ...auto,
        })
        .onConflict(['trade_date', 'type', 'account_id', 'key'])
        .ignore()
        .returning('id');
      const id = inserted[0]?.id;
      if (id === undefined) continue;
      if (b.autoResolve) await resolvedAuto(id, { category: b.category, cause: b.cause });
      else if (b.escalate)
        await writeAudit(trx, {
          actor: 'recon',
          action: 'BREAK_ESCALATED',
          entity: 'break',
          entityId: String(id),
          details: { accountId, tradeDate, category: b.category, materialityUsd: b.materialityUsd },
          idempotencyKey: `break-escalated:${id}`,
        });
    }
    for (const r of known) {
      if (!isOpen(r) || touched.has(r.id) || !checked.has(r.type)) continue;
      const note = `cleared on ${tradeDate}: custodian and book agree`;
      await trx('breaks').where({ id: r.id }).update({
        status: 'RESOLVED_AUTO',
        resolved_at: trx.fn.now(),
        resolved_by: 'recon',
        note,
        last_seen_date: tradeDate,
      });
      await resolvedAuto(r.id, { cleared: true, note });
    }
    return autoResolved;
  });
  return { autoResolved, clean: false };
}
