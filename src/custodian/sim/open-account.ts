/**
 * Simulator only: an account opened at the custodian and nowhere else (`POST /sim/v1/accounts`),
 * as when a client transfers an account in before the firm has set it up. It holds the given cash,
 * tax lots (its positions are their sums) and unlotted positions from then on, and its rep code
 * goes into EXT871 (default R01, as for every other account). The morning files built after it
 * report it; the book learns of it from them (onboarding, src/activities/sync/new-accounts.ts).
 * An account number the simulator has already is refused (409).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { Dec, cashStr, qtyStr, zDecimal } from '../../domain/money';
import { SimError } from './errors';

const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const positive = zDecimal.refine((s) => new Dec(s).gt(0), 'must be above zero');

export const OpenAccountInputSchema = z
  .object({
    accountNumber: z.string().regex(/^[0-9A-Z]{1,20}$/, 'must be 1-20 upper-case letters or digits'),
    cash: zDecimal.refine((s) => !/\.\d{3,}$/.test(s), 'at most 2 decimal places').default('0'),
    repCode: z.string().min(1).max(10).optional(),
    lots: z
      .array(
        z
          .object({
            lotId: z.string().min(1).max(40),
            symbol: z.string().min(1).max(15),
            openDate: zDate,
            qty: positive,
            unitCost: positive,
          })
          .strict(),
      )
      .max(1000)
      .default([]),
    /** Shares held without a lot (added to the lots' sums). */
    unlotted: z
      .array(z.object({ symbol: z.string().min(1).max(15), qty: positive }).strict())
      .max(100)
      .default([]),
  })
  .strict();
export type OpenAccountInput = z.input<typeof OpenAccountInputSchema>;

export async function openSimAccount(
  db: Knex,
  input: OpenAccountInput,
): Promise<{ accountNumber: string; cash: string; positions: Record<string, string>; lots: number }> {
  const a = OpenAccountInputSchema.parse(input);
  return db.transaction(async (trx) => {
    if (await trx('sim.accounts').where({ account_number: a.accountNumber }).first())
      throw new SimError(409, 'ALREADY_EXISTS', `account ${a.accountNumber} exists at the custodian already`);
    const symbols = [...new Set([...a.lots, ...a.unlotted].map((l) => l.symbol))];
    const known = new Set(
      (await trx('sim.securities').whereIn('symbol', symbols).select('symbol')).map(
        (r: { symbol: string }) => r.symbol,
      ),
    );
    const unknown = symbols.find((s) => !known.has(s));
    if (unknown) throw new SimError(400, 'INVALID_ARGUMENT', `${unknown} is not a security of the custodian`);
    const ids = a.lots.map((l) => l.lotId);
    if (new Set(ids).size !== ids.length)
      throw new SimError(400, 'INVALID_ARGUMENT', 'a lot id is listed twice');
    const taken = await trx('sim.lots').whereIn('lot_id', ids).first('lot_id');
    if (taken)
      throw new SimError(409, 'ALREADY_EXISTS', `lot ${taken.lot_id} exists at the custodian already`);

    await trx('sim.accounts').insert({
      account_number: a.accountNumber,
      cash: cashStr(new Dec(a.cash)),
      rep_code: a.repCode ?? null,
    });
    const totals = new Map<string, Dec>();
    const add = (symbol: string, qty: string) =>
      totals.set(symbol, (totals.get(symbol) ?? new Dec(0)).plus(qty));
    for (const l of a.lots) {
      await trx('sim.lots').insert({
        lot_id: l.lotId,
        account_number: a.accountNumber,
        symbol: l.symbol,
        open_date: l.openDate,
        qty: qtyStr(new Dec(l.qty)),
        unit_cost: new Dec(l.unitCost).toFixed(6),
      });
      add(l.symbol, l.qty);
    }
    for (const u of a.unlotted) add(u.symbol, u.qty);
    for (const [symbol, qty] of totals)
      await trx('sim.positions').insert({ account_number: a.accountNumber, symbol, qty: qtyStr(qty) });
    return {
      accountNumber: a.accountNumber,
      cash: cashStr(new Dec(a.cash)),
      positions: Object.fromEntries([...totals].map(([s, q]) => [s, qtyStr(q)])),
      lots: a.lots.length,
    };
  });
}
