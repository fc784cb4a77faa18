/**
 * The soak's life events: what happens to the accounts before each morning, seeded (the same seed
 * and accounts give the same events on the same days). Each day, before its morning files:
 *
 *   at the custodian (EXT869, src/custodian/sim/cash-activity.ts), reported that morning:
 *     ACH       deposits of $500–$20,000            1.5% of the accounts a day
 *     WIRE      deposits of $10,000–$100,000        0.5%
 *     DIVIDEND  $0.05–$0.60 a share on a holding    3%
 *     INTEREST  $0.50–$40.00                        2%
 *     FEE       $10–$150 (at most 10% of the cash)  1%
 *     UNEXPECTED_WITHDRAWAL  an ACH out the book did not ask for, $25–$5,000 (at most 10% of
 *               the custodian's cash)                0.5%
 *   in the book (src/book/withdrawals.ts, as ops would through the API):
 *     WITHDRAWAL_REQUESTED  1–5% of the account's value, for an account with none open   1%
 *   with --splits, at the custodian (EXT235): a 2-for-1 SPLIT of VXUS on day 2, a 1-for-2
 *     REVERSE_SPLIT of VTI on day 4, a SYMBOL_CHANGE of SGOV to SGOVX on day 6 (a model target:
 *     the book reads its model through security_successions); the simulator applies each to its
 *     own positions, lots and prices.
 *   accounts (the book's, as ops through the config API; the custodian opens its side):
 *     ACCOUNT_CLOSED  on day 5: an account closed in the book (it leaves the day from then on)
 *     ACCOUNT_ARRIVED just before day 2: an account opened at the custodian only, with cash and
 *                     lots (a transfer in); the next morning's files show it and the book adopts
 *                     it as PENDING_SETUP (src/activities/sync/new-accounts.ts): day 3 lists it
 *                     PendingSetup; ops set it up (advisor, household, model, AUTO) before day 4,
 *                     and it trades on day 4 (ACCOUNT_SET_UP)
 *   a planted genuine break, at the custodian (a settlement fault): after day 3, one of its buys
 *     settles a day late (SETTLEMENT_FAIL), so the morning after its T+1 must break on it.
 *   in the book, just before day 2 (src/book/models.ts, as ops through the API):
 *     MODEL_VERSION_PUBLISHED  version 2 of M6040 (VTI 38%, VXUS 22%, BND 40%): MODEL_CHANGE fires
 *     for its accounts that day, and no more once an account holds it.
 *
 * A morning's custodian events are put in before the day before starts (its confirms build that
 * morning's files); the book's, just before the day.
 *
 * Every kind happens to at least one account a day, so a short run has each of them. The deliberate
 * break accounts (src/demo/seed.ts BREAK_ACCOUNT) get no withdrawal. Amounts are decimal strings;
 * the random numbers only pick accounts and whole cents.
 */
import type { Knex } from 'knex';
import { closeAccount, updateAccountSettings } from '../../src/book/accounts';
import { publishVersion } from '../../src/book/models';
import { requestWithdrawal } from '../../src/book/withdrawals';
import { type CashKind, addCashActivity } from '../../src/custodian/sim/cash-activity';
import { addCorporateAction } from '../../src/custodian/sim/corporate-actions';
import { openSimAccount } from '../../src/custodian/sim/open-account';
import { activeSettlementFaults, setSettlementFaults } from '../../src/custodian/sim/settlement';
import { nextSettlementDay, nextTradingDay } from '../../src/domain/calendar';
import { AccountSettingsPatch } from '../../src/domain/config/account';
import { ModelVersionInput } from '../../src/domain/config/model';
import { Dec, cashStr, dec, decInt } from '../../src/domain/money';
import { seededRandom } from '../engine/generate';
import type { PlantedBreak } from './invariants';

export const EVENT_KINDS = [
  'ACH',
  'WIRE',
  'DIVIDEND',
  'INTEREST',
  'FEE',
  'UNEXPECTED_WITHDRAWAL',
  'WITHDRAWAL_REQUESTED',
  'SPLIT',
  'REVERSE_SPLIT',
  'SYMBOL_CHANGE',
  'MODEL_VERSION_PUBLISHED',
  'ACCOUNT_CLOSED',
  'ACCOUNT_ARRIVED',
  'ACCOUNT_SET_UP',
  'SETTLEMENT_FAIL_PLANTED',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Share of the accounts each kind touches a day (at least one account). */
export const RATES: Record<
  Exclude<
    EventKind,
    | 'SPLIT'
    | 'REVERSE_SPLIT'
    | 'SYMBOL_CHANGE'
    | 'MODEL_VERSION_PUBLISHED'
    | 'ACCOUNT_CLOSED'
    | 'ACCOUNT_ARRIVED'
    | 'ACCOUNT_SET_UP'
    | 'SETTLEMENT_FAIL_PLANTED'
  >,
  number
> = {
  ACH: 0.015,
  WIRE: 0.005,
  DIVIDEND: 0.03,
  INTEREST: 0.02,
  FEE: 0.01,
  UNEXPECTED_WITHDRAWAL: 0.005,
  WITHDRAWAL_REQUESTED: 0.01,
};

/** The corporate actions of --splits: day index (0-based) → action. */
export const SPLITS = [
  { day: 1, action: 'SPLIT' as const, symbol: 'VXUS', stockFactor: '2' },
  { day: 3, action: 'REVERSE_SPLIT' as const, symbol: 'VTI', stockFactor: '0.5' },
];

/** The symbol change of --splits: day index (0-based), old and new symbol (the CUSIP stays). */
export const SYMBOL_CHANGE = { day: 5, symbolOld: 'SGOV', symbol: 'SGOVX' };

/** The account closed in the book (day index 4). */
export const ACCOUNT_CLOSED = { day: 4 };

/**
 * The account that arrives at the custodian only, opened just before day index 1 (its files are
 * built already: the next morning's show it), set up by ops just before day index 3.
 */
export const ACCOUNT_ARRIVED = {
  day: 1,
  setUpDay: 3,
  number: 'ARR0000001',
  cash: '25000.00',
  lots: [
    { lotId: 'ARR-1', symbol: 'VTI', openDate: '2024-03-04', qty: '40', unitCost: '231.400000' },
    { lotId: 'ARR-2', symbol: 'BND', openDate: '2025-06-02', qty: '300', unitCost: '72.100000' },
  ],
};

/**
 * The account the soak closes: the seed's last one. It gets no life event on any day, so nothing
 * is reported for it at the custodian after it closes.
 */
async function closingAccount(db: Knex): Promise<{ id: string } | undefined> {
  return db('accounts').where('id', 'like', 'ACC%').orderBy('id', 'desc').first('id');
}

export interface PlannedEvent {
  kind: EventKind;
  accountId?: string;
  symbol?: string;
  /** + = into the account. */
  amount?: string;
}

export interface DayEvents {
  byKind: Partial<Record<EventKind, number>>;
  events: PlannedEvent[];
}

interface AccountRow {
  id: string;
  number: string;
  cash: string;
  value: string;
  open_withdrawal: boolean;
  custodian_cash: string;
}

/** A seeded amount from `lo` to `hi` cents (whole numbers), as a dollar string. */
function cents(rnd: () => number, lo: number, hi: number): string {
  return cashStr(decInt(lo + Math.floor(rnd() * (hi - lo))).div(100));
}

/** `n` distinct picks from `xs`, seeded (a partial Fisher-Yates shuffle of a copy). */
function pick<T>(rnd: () => number, xs: readonly T[], n: number): T[] {
  const a = [...xs];
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rnd() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

async function activeAccounts(db: Knex, tradeDate: string): Promise<AccountRow[]> {
  return (
    await db.raw(
      `SELECT a.id, a.custodian_account_number AS number, s.cash::text AS cash, s.cash::text AS custodian_cash,
              (coalesce(c.amount, 0) + coalesce((
                 SELECT sum(p.qty * (SELECT pr.close FROM prices pr WHERE pr.symbol = p.symbol AND pr.date < ?
                                      ORDER BY pr.date DESC LIMIT 1))
                   FROM positions p WHERE p.account_id = a.id), 0))::text AS value,
              EXISTS (SELECT 1 FROM cash_flows f WHERE f.account_id = a.id AND f.type = 'WITHDRAWAL'
                         AND f.status IN ('PENDING', 'SENT')) AS open_withdrawal
         FROM accounts a
         JOIN sim.accounts s ON s.account_number = a.custodian_account_number
         LEFT JOIN cash_balances c ON c.account_id = a.id
        WHERE a.status = 'ACTIVE'
        ORDER BY a.id`,
      [tradeDate],
    )
  ).rows as AccountRow[];
}

/** Plans and applies the life events of `tradeDate` (day `dayIndex` of the run, from 0). */
export async function applyLifeEvents(
  db: Knex,
  opts: { seed: string; tradeDate: string; dayIndex: number; splits: boolean; breakAccounts: Set<string> },
): Promise<DayEvents> {
  const rnd = seededRandom(`${opts.seed}/events/${opts.tradeDate}`);
  const closing = (await closingAccount(db))?.id;
  const accounts = (await activeAccounts(db, opts.tradeDate)).filter((a) => a.id !== closing);
  const count = (rate: number) => Math.max(1, Math.round(rate * accounts.length));
  const events: PlannedEvent[] = [];
  const cash = (kind: CashKind, a: AccountRow, amount: string, symbol?: string) =>
    events.push({ kind, accountId: a.id, amount, symbol });

  for (const a of pick(rnd, accounts, count(RATES.ACH))) cash('ACH', a, cents(rnd, 50_000, 2_000_000));
  for (const a of pick(rnd, accounts, count(RATES.WIRE))) cash('WIRE', a, cents(rnd, 1_000_000, 10_000_000));
  for (const a of pick(rnd, accounts, count(RATES.DIVIDEND))) {
    const held: { symbol: string; qty: string }[] = await db('positions')
      .where({ account_id: a.id })
      .where('qty', '>', 0)
      .orderBy('symbol')
      .select('symbol', db.raw('qty::text AS qty'));
    if (held.length === 0) continue;
    const h = held[Math.floor(rnd() * held.length)]!;
    const amount = cashStr(dec(h.qty).times(cents(rnd, 5, 60)));
    if (dec(amount).gt(0)) cash('DIVIDEND', a, amount, h.symbol);
  }
  for (const a of pick(rnd, accounts, count(RATES.INTEREST))) cash('INTEREST', a, cents(rnd, 50, 4000));
  for (const a of pick(rnd, accounts, count(RATES.FEE))) {
    const fee = Dec.min(dec(cents(rnd, 1000, 15_000)), dec(a.cash).times('0.1'));
    if (dec(cashStr(fee)).gt(0)) cash('FEE', a, cashStr(fee.neg()));
  }
  for (const a of pick(
    rnd,
    accounts.filter((x) => !opts.breakAccounts.has(x.id)),
    count(RATES.UNEXPECTED_WITHDRAWAL),
  )) {
    const out = Dec.min(dec(cents(rnd, 2500, 500_000)), dec(a.custodian_cash).times('0.1'));
    if (dec(cashStr(out)).gte(1))
      events.push({ kind: 'UNEXPECTED_WITHDRAWAL', accountId: a.id, amount: cashStr(out.neg()) });
  }
  const canWithdraw = accounts.filter((a) => !a.open_withdrawal && !opts.breakAccounts.has(a.id));
  for (const a of pick(rnd, canWithdraw, count(RATES.WITHDRAWAL_REQUESTED))) {
    const share = dec(cents(rnd, 100, 500)).div(100);
    const amount = cashStr(dec(a.value).times(share).toDecimalPlaces(2, Dec.ROUND_DOWN));
    if (dec(amount).gte(100)) events.push({ kind: 'WITHDRAWAL_REQUESTED', accountId: a.id, amount });
  }
  if (opts.splits) {
    for (const s of SPLITS.filter((x) => x.day === opts.dayIndex))
      events.push({ kind: s.action, symbol: s.symbol, amount: s.stockFactor });
    if (SYMBOL_CHANGE.day === opts.dayIndex)
      events.push({ kind: 'SYMBOL_CHANGE', symbol: SYMBOL_CHANGE.symbol });
  }

  const byNumber = new Map(accounts.map((a) => [a.id, a.number]));
  const byKind: DayEvents['byKind'] = {};
  for (const e of events) {
    await applyEvent(db, e, opts, byNumber);
    byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
  }
  return { byKind, events };
}

async function applyEvent(
  db: Knex,
  e: PlannedEvent,
  opts: { seed: string; tradeDate: string },
  numbers: Map<string, string>,
): Promise<void> {
  switch (e.kind) {
    case 'WITHDRAWAL_REQUESTED':
      await requestWithdrawal(
        db,
        { accountId: e.accountId!, amount: e.amount!, requestId: `soak-${opts.seed}-${opts.tradeDate}` },
        { by: 'ops:soak', via: 'soak', today: opts.tradeDate },
      );
      return;
    case 'SPLIT':
    case 'REVERSE_SPLIT': {
      const sec = await db('securities').where({ symbol: e.symbol }).first('cusip');
      await addCorporateAction(db, {
        processDate: opts.tradeDate,
        action: e.kind,
        symbol: e.symbol!,
        cusip: sec.cusip,
        stockFactor: e.amount!,
      });
      return;
    }
    case 'SYMBOL_CHANGE': {
      const sec = await db('securities').where({ symbol: SYMBOL_CHANGE.symbolOld }).first('cusip');
      await addCorporateAction(db, {
        processDate: opts.tradeDate,
        action: 'SYMBOL_CHANGE',
        symbol: SYMBOL_CHANGE.symbol,
        symbolOld: SYMBOL_CHANGE.symbolOld,
        cusip: sec.cusip,
      });
      return;
    }
    case 'UNEXPECTED_WITHDRAWAL':
      await addCashActivity(db, {
        accountNumber: numbers.get(e.accountId!)!,
        processDate: opts.tradeDate,
        amountIn: e.amount!,
        kind: 'ACH',
        description: 'ACH WITHDRAWAL (not requested through the book)',
      });
      return;
    case 'MODEL_VERSION_PUBLISHED':
    case 'ACCOUNT_CLOSED':
    case 'ACCOUNT_ARRIVED':
    case 'ACCOUNT_SET_UP':
    case 'SETTLEMENT_FAIL_PLANTED':
      return; // the book's: applyBookChanges, just before its day
    default:
      await addCashActivity(db, {
        accountNumber: numbers.get(e.accountId!)!,
        processDate: opts.tradeDate,
        amountIn: e.amount!,
        kind: e.kind,
        symbol: e.symbol,
      });
  }
}

/** The model version the soak publishes, and the day (0-based) it applies from. */
export const MODEL_CHANGE = {
  day: 1,
  modelId: 'M6040',
  version: {
    targets: [
      { symbol: 'VTI', weight: '0.38' },
      { symbol: 'VXUS', weight: '0.22' },
      { symbol: 'BND', weight: '0.40' },
    ],
    note: 'soak: a new version',
  },
};

/**
 * What happens just before a day starts: the book's changes that apply from `tradeDate` on (as ops
 * through the API) and an account opened at the custodian only.
 */
export async function applyBookChanges(
  db: Knex,
  opts: { tradeDate: string; dayIndex: number; breakAccounts: Set<string> },
): Promise<DayEvents> {
  const out: DayEvents = { byKind: {}, events: [] };
  const ctx = { db, actor: { id: 'ops:soak', via: 'api' as const }, today: opts.tradeDate };
  const model = await db('models').where({ id: MODEL_CHANGE.modelId }).first('id');
  if (opts.dayIndex === MODEL_CHANGE.day && model) {
    const r = await publishVersion(ctx, MODEL_CHANGE.modelId, ModelVersionInput.parse(MODEL_CHANGE.version));
    if (r.changed) out.byKind.MODEL_VERSION_PUBLISHED = 1;
    out.events.push({
      kind: 'MODEL_VERSION_PUBLISHED',
      symbol: `${MODEL_CHANGE.modelId} v${r.model.currentVersion}`,
    });
  }
  if (opts.dayIndex === ACCOUNT_ARRIVED.day) {
    // At the custodian only, as a transfer in: the book learns of it from the next morning's files.
    await openSimAccount(db, {
      accountNumber: ACCOUNT_ARRIVED.number,
      cash: ACCOUNT_ARRIVED.cash,
      lots: ACCOUNT_ARRIVED.lots,
    });
    out.byKind.ACCOUNT_ARRIVED = 1;
    out.events.push({ kind: 'ACCOUNT_ARRIVED', accountId: ACCOUNT_ARRIVED.number });
  }
  if (opts.dayIndex === ACCOUNT_ARRIVED.setUpDay) {
    // Ops set up the account the book adopted from the custodian's files (as through the API).
    const adopted = await db('accounts')
      .where({ custodian_account_number: ACCOUNT_ARRIVED.number, status: 'PENDING_SETUP' })
      .first('id');
    const peer = await db('accounts').where({ status: 'ACTIVE', mode: 'AUTO' }).orderBy('id').first();
    if (adopted && peer) {
      await updateAccountSettings(
        ctx,
        adopted.id,
        AccountSettingsPatch.parse({
          advisorId: peer.advisor_id,
          householdId: peer.household_id,
          modelId: peer.model_id,
          mode: 'AUTO',
        }),
      );
      out.byKind.ACCOUNT_SET_UP = 1;
      out.events.push({ kind: 'ACCOUNT_SET_UP', accountId: adopted.id });
    }
  }
  if (opts.dayIndex === ACCOUNT_CLOSED.day) {
    const a = await closingAccount(db);
    if (a) {
      await closeAccount(ctx, a.id, 'soak: the client left');
      out.byKind.ACCOUNT_CLOSED = 1;
      out.events.push({ kind: 'ACCOUNT_CLOSED', accountId: a.id });
    }
  }
  return out;
}

/** The settlement fail the soak plants: after this day (0-based) completes, on one of its buys. */
export const SETTLEMENT_FAIL = { day: 2, delaySettlementDays: 1 };

/**
 * After day SETTLEMENT_FAIL.day: delays the settlement of one BUY that day filled (the first
 * allocation of a non-break account, by client order id) by one settlement day at the custodian.
 * Its T+1 passes unsettled, so the morning after it must show a SETTLEMENT break on that account
 * (a fail to receive: its shares held NO_SELL), gone the morning after.
 */
export async function plantSettlementFail(
  db: Knex,
  opts: { tradeDate: string; dayIndex: number; breakAccounts: Set<string> },
): Promise<PlantedBreak | undefined> {
  if (opts.dayIndex !== SETTLEMENT_FAIL.day) return undefined;
  const o = await db('orders')
    .where({ trade_date: opts.tradeDate, side: 'BUY' })
    .where('filled_qty', '>', 0)
    .whereNotIn('account_id', [...opts.breakAccounts])
    .orderBy('client_order_id')
    .first('client_order_id', 'account_id');
  if (!o) return undefined;
  const current = await activeSettlementFaults(db);
  await setSettlementFaults(
    db,
    [
      ...current,
      { clientOrderId: o.client_order_id, kind: 'delay', days: SETTLEMENT_FAIL.delaySettlementDays },
    ],
    new Date(),
  );
  return {
    tradeDate: nextTradingDay(nextSettlementDay(opts.tradeDate)),
    accountId: o.account_id,
    type: 'SETTLEMENT',
    key: o.client_order_id,
  };
}
