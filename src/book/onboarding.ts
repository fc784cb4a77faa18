/**
 * Accounts waiting for ops: PENDING_SETUP (adopted from the custodian's files, or created without
 * a model or a mode). They hold positions and lots but do not trade until ops assign a model, a
 * mode and an advisor.
 */
import type { Knex } from 'knex';

export interface PendingSetupView {
  id: string;
  custodianAccountNumber: string;
  name: string;
  advisorId: string | null;
  householdId: string;
  onboardedOn: string | null;
  positions: number;
  lots: number;
  cash: string;
  missing: ('advisorId' | 'modelId' | 'mode')[];
}

export async function pendingSetup(db: Knex): Promise<PendingSetupView[]> {
  const rows = await db('accounts as a')
    .leftJoin('cash_balances as c', 'c.account_id', 'a.id')
    .where('a.status', 'PENDING_SETUP')
    .orderBy('a.id')
    .select(
      'a.id',
      'a.custodian_account_number',
      'a.name',
      'a.advisor_id',
      'a.household_id',
      'a.onboarded_on',
      'a.model_id',
      'a.mode',
      'c.amount as cash',
      db.raw('(SELECT count(*)::int FROM positions p WHERE p.account_id = a.id AND p.qty > 0) AS positions'),
      db.raw('(SELECT count(*)::int FROM tax_lots l WHERE l.account_id = a.id AND l.qty > 0) AS lots'),
    );
  return rows.map(
    (r: {
      id: string;
      custodian_account_number: string;
      name: string;
      advisor_id: string | null;
      household_id: string;
      onboarded_on: string | null;
      model_id: string | null;
      mode: string | null;
      cash: string | null;
      positions: number;
      lots: number;
    }) => ({
      id: r.id,
      custodianAccountNumber: r.custodian_account_number,
      name: r.name,
      advisorId: r.advisor_id,
      householdId: r.household_id,
      onboardedOn: r.onboarded_on,
      positions: r.positions,
      lots: r.lots,
      cash: r.cash ?? '0.00',
      missing: [
        ...(r.advisor_id ? [] : ['advisorId' as const]),
        ...(r.model_id ? [] : ['modelId' as const]),
        ...(r.mode ? [] : ['mode' as const]),
      ],
    }),
  );
}
