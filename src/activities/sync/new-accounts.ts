/**
 * Onboarding from the custodian (docs/configuration-book.md, docs/domain.md §5.6): an account
 * number in a morning's files that the book does not know is not a break. It is adopted, when the
 * morning's positions (EXT871), balances (EXT981) and tax lots (EXT_TAXLOT) are all ingested, as a
 * PENDING_SETUP account holding exactly what those files say: its positions (trade-date
 * quantities), its open lots under the custodian's lot ids, its trade-date cash. One audit row
 * (ACCOUNT_ONBOARDED) names the file and line of everything taken. The account does not trade
 * until ops give it a model and a mode (and an advisor, unless the rep code found one).
 *
 * What it gets on its own: the custodian's number as its id, a household of its own, TAXABLE
 * registration (ops correct it at set-up), and the advisor whose rep code (advisors.rep_code) the
 * positions file carries, if any. A holding in a security the book does not know is not adopted
 * (it is listed in the audit row's `notAdopted`): once the account is set up it is a break until
 * ops add the security and adopt the custodian's side. Idempotent: an adopted number is known.
 */
import type { Knex } from 'knex';
import { Dec, cashStr, qtyStr } from '../../domain/money';
import { writeAudit } from '../audit';

export interface AdoptedAccount {
  accountId: string;
  accountNumber: string;
  positions: number;
  lots: number;
  cash: string;
  advisorId: string | null;
}

const NEEDED = ['EXT871', 'EXT981', 'EXT_TAXLOT'] as const;

interface PositionRow {
  account_number: string;
  symbol: string;
  cusip: string;
  trade_qty: string;
  line_no: number | null;
  rep_code: string | null;
}
interface LotRow {
  account_number: string;
  lot_id: string;
  symbol: string;
  cusip: string;
  open_trade_date: string;
  qty: string;
  unit_cost: string;
  line_no: number | null;
}
interface BalanceRow {
  account_number: string;
  cash_trade_balance: string;
  line_no: number | null;
}

/** Adopts every account number of `processDate`'s files the book does not know (but `skip`). */
export async function adoptNewAccounts(
  trx: Knex.Transaction,
  processDate: string,
  skip: readonly string[],
): Promise<AdoptedAccount[]> {
  const files: { code: string; name: string }[] = await trx('custodian_files')
    .where({ process_date: processDate, status: 'INGESTED' })
    .whereIn('code', NEEDED)
    .orderBy('id')
    .select('code', 'name');
  const fileOf = (code: string) => files.filter((f) => f.code === code).at(-1)?.name;
  if (!NEEDED.every(fileOf)) return [];
  const known = trx('accounts').select('custodian_account_number');
  const numbers = (table: string) =>
    trx(table)
      .where({ process_date: processDate })
      .whereNotIn('account_number', known.clone())
      .whereNotIn('account_number', [...skip])
      .distinct('account_number');
  const found = new Set<string>();
  for (const table of ['custodian_positions', 'custodian_lots', 'custodian_balances']) {
    for (const r of (await numbers(table)) as { account_number: string }[]) found.add(r.account_number);
  }
  const adopted: AdoptedAccount[] = [];
  for (const number of [...found].sort()) {
    adopted.push(
      await adoptOne(trx, processDate, number, {
        positions: fileOf('EXT871')!,
        balances: fileOf('EXT981')!,
        lots: fileOf('EXT_TAXLOT')!,
      }),
    );
  }
  return adopted;
}

interface Source {
  positions: string;
  balances: string;
  lots: string;
}
interface NotAdopted {
  file: string;
  line: number | null;
  what: string;
  why: string;
}
type BookSymbol = (cusip: string, symbol: string) => string | undefined;

async function adoptOne(
  trx: Knex.Transaction,
  processDate: string,
  number: string,
  file: Source,
): Promise<AdoptedAccount> {
  const where = { process_date: processDate, account_number: number };
  const positions: PositionRow[] = await trx('custodian_positions').where(where).orderBy('line_no');
  const lots: LotRow[] = await trx('custodian_lots').where(where).orderBy('line_no');
  const balance: BalanceRow | undefined = await trx('custodian_balances').where(where).first();
  const repCode = positions.find((p) => p.rep_code)?.rep_code ?? null;
  const account = await createPendingAccount(trx, processDate, number, repCode);
  const bookSymbol = await bookSymbols(trx);
  const notAdopted: NotAdopted[] = [];
  const held = await adoptPositions(trx, account.id, positions, bookSymbol, file, notAdopted);
  const taken = await adoptLots(trx, account.id, lots, held, bookSymbol, file, notAdopted);
  const cash = cashStr(new Dec(balance?.cash_trade_balance ?? '0'));
  await trx('cash_balances').insert({ account_id: account.id, amount: cash });

  await writeAudit(trx, {
    actor: 'custodian-files',
    action: 'ACCOUNT_ONBOARDED',
    entity: 'account',
    entityId: account.id,
    details: {
      via: 'custodian',
      processDate,
      before: null,
      after: {
        custodianAccountNumber: number,
        status: 'PENDING_SETUP',
        householdId: account.householdId,
        registration: 'TAXABLE',
        advisorId: account.advisorId,
        ...(repCode ? { repCode } : {}),
        positions: held,
        lots: taken,
        cash: { amount: cash, file: file.balances, line: balance?.line_no ?? null },
        notAdopted,
      },
    },
    idempotencyKey: `onboard:${number}`,
  });
  return {
    accountId: account.id,
    accountNumber: number,
    positions: held.length,
    lots: taken.length,
    cash,
    advisorId: account.advisorId,
  };
}

/** The book's security for a custodian row: by CUSIP (current, then old), else by symbol. */
async function bookSymbols(trx: Knex.Transaction): Promise<BookSymbol> {
  const securities: { symbol: string; cusip: string; cusip_old: string | null }[] = await trx(
    'securities',
  ).select('symbol', 'cusip', 'cusip_old');
  return (cusip, symbol) =>
    (
      securities.find((s) => s.cusip.toUpperCase() === cusip.toUpperCase()) ??
      securities.find((s) => s.cusip_old?.toUpperCase() === cusip.toUpperCase()) ??
      securities.find((s) => s.symbol === symbol)
    )?.symbol;
}

/** The account row, PENDING_SETUP, with a household of its own and the rep code's advisor if any. */
async function createPendingAccount(
  trx: Knex.Transaction,
  processDate: string,
  number: string,
  repCode: string | null,
): Promise<{ id: string; householdId: string; advisorId: string | null }> {
  const taken = await trx('accounts').where({ id: number }).first('id');
  const id = taken ? `CUST-${number}` : number;
  const advisor = repCode ? await trx('advisors').where({ rep_code: repCode }).first('id') : undefined;
  const householdId = `HH-${id}`;
  await trx('households')
    .insert({ id: householdId, name: `Custodian account ${number}` })
    .onConflict('id')
    .ignore();
  await trx('accounts').insert({
    id,
    custodian_account_number: number,
    name: `Custodian account ${number}`,
    advisor_id: advisor?.id ?? null,
    household_id: householdId,
    mode: null,
    tax_status: 'TAXABLE',
    model_id: null,
    overrides: JSON.stringify({}),
    status: 'PENDING_SETUP',
    onboarded_on: processDate,
    // The book is the custodian's as of this morning: the sync starts after it.
    synced_through: processDate,
  });
  return { id, householdId, advisorId: advisor?.id ?? null };
}

/** EXT871's trade-date quantities in the securities the book knows. */
async function adoptPositions(
  trx: Knex.Transaction,
  accountId: string,
  positions: readonly PositionRow[],
  bookSymbol: BookSymbol,
  file: Source,
  notAdopted: NotAdopted[],
): Promise<{ symbol: string; qty: string; file: string; line: number | null }[]> {
  const held: { symbol: string; qty: string; file: string; line: number | null }[] = [];
  for (const p of positions) {
    if (new Dec(p.trade_qty).isZero()) continue;
    const symbol = bookSymbol(p.cusip, p.symbol);
    if (!symbol) {
      notAdopted.push({
        file: file.positions,
        line: p.line_no,
        what: `${p.symbol} ${p.trade_qty}`,
        why: `${p.symbol} (${p.cusip}) is not a security of the book`,
      });
      continue;
    }
    const qty = qtyStr(new Dec(p.trade_qty));
    await trx('positions').insert({ account_id: accountId, symbol, qty });
    held.push({ symbol, qty, file: file.positions, line: p.line_no });
  }
  return held;
}

/** EXT_TAXLOT's open lots, under the custodian's lot ids, of the positions adopted. */
async function adoptLots(
  trx: Knex.Transaction,
  accountId: string,
  lots: readonly LotRow[],
  held: readonly { symbol: string }[],
  bookSymbol: BookSymbol,
  file: Source,
  notAdopted: NotAdopted[],
) {
  const taken: {
    lotId: string;
    symbol: string;
    openDate: string;
    qty: string;
    unitCost: string;
    file: string;
    line: number | null;
  }[] = [];
  for (const l of lots) {
    const symbol = bookSymbol(l.cusip, l.symbol);
    const other = await trx('tax_lots').where({ id: l.lot_id }).first('account_id');
    const why = !symbol
      ? `${l.symbol} (${l.cusip}) is not a security of the book`
      : other
        ? `lot id ${l.lot_id} is account ${other.account_id}'s already`
        : !held.some((p) => p.symbol === symbol)
          ? `no position in ${symbol} to hold it`
          : undefined;
    if (why || !symbol) {
      notAdopted.push({ file: file.lots, line: l.line_no, what: `lot ${l.lot_id}`, why: why ?? '' });
      continue;
    }
    const lot = {
      lotId: l.lot_id,
      symbol,
      openDate: l.open_trade_date,
      qty: qtyStr(new Dec(l.qty)),
      unitCost: new Dec(l.unit_cost).toFixed(6),
    };
    await trx('tax_lots').insert({
      id: lot.lotId,
      account_id: accountId,
      symbol,
      open_date: lot.openDate,
      qty: lot.qty,
      unit_cost: lot.unitCost,
      source: 'CUSTODIAN',
    });
    taken.push({ ...lot, file: file.lots, line: l.line_no });
  }
  return taken;
}
