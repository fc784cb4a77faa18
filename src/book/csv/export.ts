/**
 * Export of the book in the import's CSV formats (./formats.ts): advisors, securities,
 * households, models with their current version's targets, accounts with their settings,
 * restrictions, open tax lots, cash and cash flows. Imported into an empty book it gives this
 * book; imported into this book it changes nothing.
 */
import type { Knex } from 'knex';
import { Dec } from '../../domain/money';
import { type AccountRow, overridesOf } from '../accounts';
import { listModels } from '../models';
import { listAdvisors } from '../people';
import { listRestrictions } from '../restrictions';
import { listSecurities } from '../securities';
import { type Kind, cellsOf, fileNameOf } from './formats';
import { writeTable } from './table';

const num = (v: string) => new Dec(v).toString();

export async function exportBook(db: Knex): Promise<Record<string, string>> {
  const out: Partial<Record<Kind, Record<string, string>[]>> = {};
  out.advisors = (await listAdvisors(db)).map((a) => cellsOf('advisors', a as never));
  out.securities = (await listSecurities(db)).map((s) => cellsOf('securities', s as never));
  out.households = (await db('households').orderBy('id')).map((h: { id: string; name: string }) =>
    cellsOf('households', h),
  );
  const models = await listModels(db);
  out.models = models.map((m) =>
    cellsOf('models', {
      id: m.id,
      name: m.name,
      note: m.current.note ?? undefined,
      settings: m.current.settings,
    }),
  );
  out['model-targets'] = models.flatMap((m) =>
    m.current.targets.map((t) => cellsOf('model-targets', { modelId: m.id, ...t })),
  );
  const accounts: AccountRow[] = await db('accounts').orderBy('id');
  out.accounts = accounts.map((a) =>
    cellsOf('accounts', {
      id: a.id,
      custodianAccountNumber: a.custodian_account_number,
      name: a.name,
      advisorId: a.advisor_id,
      householdId: a.household_id,
      registration: a.tax_status,
      modelId: a.model_id,
      mode: a.mode,
      lotMethod: a.lot_method,
      status: a.status,
      lastTradedModelVersion: a.last_traded_model_version,
      overrides: overridesOf(a),
    }),
  );
  out.restrictions = (await listRestrictions(db, {})).map((r) => cellsOf('restrictions', r as never));
  const lots: {
    account_id: string;
    symbol: string;
    id: string;
    open_date: string;
    qty: string;
    unit_cost: string;
  }[] = await db('tax_lots')
    .where('qty', '>', 0)
    .orderBy([{ column: 'account_id' }, { column: 'symbol' }, { column: 'open_date' }, { column: 'id' }]);
  out.positions = lots.map((l) =>
    cellsOf('positions', {
      accountId: l.account_id,
      symbol: l.symbol,
      lotId: l.id,
      openDate: l.open_date,
      qty: num(l.qty),
      unitCost: num(l.unit_cost),
    }),
  );
  out.cash = (await db('cash_balances').orderBy('account_id')).map(
    (c: { account_id: string; amount: string }) =>
      cellsOf('cash', { accountId: c.account_id, amount: c.amount }),
  );
  out['cash-flows'] = (await db('cash_flows').orderBy('id')).map(
    (f: {
      id: string;
      account_id: string;
      type: string;
      amount: string;
      effective_date: string;
      status: string;
      custodian_ref: string | null;
    }) =>
      cellsOf('cash-flows', {
        id: f.id,
        accountId: f.account_id,
        type: f.type,
        amount: f.amount,
        effectiveDate: f.effective_date,
        status: f.status,
        custodianRef: f.custodian_ref,
      }),
  );
  return Object.fromEntries(
    (Object.entries(out) as [Kind, Record<string, string>[]][]).map(([k, rows]) => [
      fileNameOf(k),
      writeTable(k, rows),
    ]),
  );
}
