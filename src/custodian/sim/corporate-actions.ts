/**
 * Mandatory corporate actions at the simulated custodian (EXT235): recorded with
 * `addCorporateAction` (or POST /sim/v1/corporate-actions), reported on their process date and
 * applied at the start of it (./corporate-action-apply.ts).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { Dec, zDecimal } from '../../domain/money';
import { CORPORATE_ACTIONS, type CorporateAction, type Ext235Row, ext235RowSchema } from '../files';
import { latestFileSet } from './business-day';
import { SimError } from './errors';

const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

const zOptDecimal = zDecimal.nullable().optional();

export const CorporateActionInputSchema = z
  .object({
    processDate: zDate,
    action: z.enum(CORPORATE_ACTIONS),
    symbol: z.string().min(1).max(15),
    symbolOld: z.string().min(1).max(15).nullable().optional(),
    cusip: z.string().min(1).max(9),
    cusipOld: z.string().min(1).max(9).nullable().optional(),
    stockFactor: zOptDecimal,
    cashFactor: zOptDecimal,
    recordDate: zDate.nullable().optional(),
    payableDate: zDate.nullable().optional(),
  })
  .strict();
export type CorporateActionInput = z.input<typeof CorporateActionInputSchema>;

/**
 * Records a mandatory corporate action, reported in EXT235 on its process date and applied to
 * positions, lots, cash and prices before that morning's files are built (./corporate-action-apply.ts).
 * The row is checked with the EXT235 row schema (factors each action needs, old CUSIP/symbol given
 * and different). A CUSIP change (or stock merger) also changes the CUSIP the other files give the
 * security from that process date on (see securitiesAsOf). The simulator only moves forward: a
 * process date whose files were built already is refused (409 FAILED_PRECONDITION).
 */
export async function addCorporateAction(db: Knex, input: CorporateActionInput): Promise<{ id: number }> {
  const a = CorporateActionInputSchema.parse(input);
  const row: Ext235Row = {
    cusip: a.cusip.toUpperCase(),
    cusipOld: a.cusipOld ? a.cusipOld.toUpperCase() : null,
    symbol: a.symbol.toUpperCase(),
    symbolOld: a.symbolOld ? a.symbolOld.toUpperCase() : null,
    action: a.action,
    stockFactor: a.stockFactor ?? null,
    cashFactor: a.cashFactor ?? null,
    recordDate: a.recordDate ?? null,
    payableDate: a.payableDate ?? null,
    processDate: a.processDate,
  };
  const checked = ext235RowSchema.safeParse(row);
  if (!checked.success) {
    const msg = checked.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
    throw new SimError(400, 'INVALID_ARGUMENT', msg);
  }
  return db.transaction(async (trx) => {
    // The lock openMorning takes: no action slips into a morning being built.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['sim:corporate-actions']);
    const latest = await latestFileSet(trx);
    if (latest !== undefined && row.processDate <= latest)
      throw new SimError(
        409,
        'FAILED_PRECONDITION',
        `processDate ${row.processDate}: the morning files of ${latest} were built already; a corporate action is effective from a morning not delivered yet`,
      );
    const [inserted] = await trx('sim.corporate_actions')
      .insert({
        process_date: row.processDate,
        action: row.action,
        symbol: row.symbol,
        symbol_old: row.symbolOld,
        cusip: row.cusip,
        cusip_old: row.cusipOld,
        stock_factor: row.stockFactor,
        cash_factor: row.cashFactor,
        record_date: row.recordDate,
        payable_date: row.payableDate,
      })
      .returning('id');
    return { id: Number((inserted as { id: number }).id) };
  });
}

/** A decimal from a NUMERIC column without trailing zeros ('2.0000000000' -> '2'). */
function plain(s: string | null): string | null {
  return s === null ? null : new Dec(s).toFixed();
}

/** A row of sim.corporate_actions (what it reports). */
export interface SimActionRow {
  id: number;
  process_date: string;
  action: CorporateAction;
  symbol: string;
  symbol_old: string | null;
  cusip: string;
  cusip_old: string | null;
  stock_factor: string | null;
  cash_factor: string | null;
  record_date: string | null;
  payable_date: string | null;
}

/** EXT235 rows for `processDate`, in the order they were added. */
export async function corporateActionRows(db: Knex, processDate: string): Promise<Ext235Row[]> {
  const rows: SimActionRow[] = await db('sim.corporate_actions')
    .where({ process_date: processDate })
    .orderBy('id');
  return rows.map((r) => ({
    cusip: r.cusip,
    cusipOld: r.cusip_old,
    symbol: r.symbol,
    symbolOld: r.symbol_old,
    action: r.action,
    stockFactor: plain(r.stock_factor),
    cashFactor: plain(r.cash_factor),
    recordDate: r.record_date,
    payableDate: r.payable_date,
    processDate,
  }));
}
