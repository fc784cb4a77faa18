/**
 * Cash activity the custodian reports (EXT869: deposits and withdrawals by ACH or wire, dividends,
 * interest, fees, cash in lieu, merger cash; not trade settlements, which trade-date cash has had
 * since the trade date) posted to the book: a `cash_flows` row POSTED (or the book's own withdrawal
 * PAID) and the book's cash, once per file line, each posting in the audit log with its source.
 */
import type { Knex } from 'knex';
import { cashStr, dec } from '../../domain/money';
import { writeAudit } from '../audit';
import type { SyncContext } from './context';

interface CashLine {
  process_date: string;
  line_no: number;
  amount_in: string;
  description: string;
  batch_code: string;
  entered_by: string;
  entry_date: string;
  trade_number: string;
  cusip: string | null;
}

interface FlowRow {
  id: string;
  type: string;
  amount: string;
  status: string;
  effective_date: string;
  custodian_ref: string | null;
  transfer_id: string | null;
  source_ref: string | null;
}

export type CashFlowType =
  | 'DEPOSIT'
  | 'WITHDRAWAL'
  | 'DIVIDEND'
  | 'INTEREST'
  | 'FEE'
  | 'CASH_IN_LIEU'
  | 'MERGER_CASH'
  | 'OTHER';

/** What a line is, from its batch code, EnteredBy and description (the simulator's and Apex's codes). */
export function cashLineType(
  l: Pick<CashLine, 'batch_code' | 'entered_by' | 'description' | 'amount_in'>,
): CashFlowType {
  const d = l.description.toUpperCase();
  if (d.startsWith('CASH IN LIEU')) return 'CASH_IN_LIEU';
  if (d.startsWith('CASH MERGER')) return 'MERGER_CASH';
  if (l.entered_by === 'DIV' || d.includes('DIVIDEND')) return 'DIVIDEND';
  if (l.entered_by === 'INT' || d.includes('INTEREST')) return 'INTEREST';
  if (l.batch_code === 'FE' || l.entered_by === 'FEE') return 'FEE';
  const amount = dec(l.amount_in);
  if (['9C', '9D', 'FW'].includes(l.batch_code) || /ACH|WIRE/.test(d))
    return amount.gte(0) ? 'DEPOSIT' : 'WITHDRAWAL';
  return 'OTHER';
}

/** `EXT869/{processDate}/{line}`: a line's identity, so it is posted once. */
export function cashLineRef(l: Pick<CashLine, 'process_date' | 'line_no'>): string {
  return `EXT869/${l.process_date}/${l.line_no}`;
}

/** Adds `amount` to the account's cash in the book (the row is created if missing). */
export async function addToCash(trx: Knex.Transaction, accountId: string, amount: string): Promise<string> {
  const row = await trx('cash_balances').where({ account_id: accountId }).forUpdate().first();
  const next = cashStr(dec(row?.amount ?? '0').plus(dec(amount)));
  if (row)
    await trx('cash_balances')
      .where({ account_id: accountId })
      .update({ amount: next, updated_at: trx.fn.now() });
  else await trx('cash_balances').insert({ account_id: accountId, amount: next });
  return next;
}

export interface CashPosting {
  ref: string;
  flowId: string;
  type: string;
  amount: string;
  /** How the line met the book: a new flow, the book's withdrawal paid, or a flow the book had posted. */
  how: 'NEW' | 'PAID' | 'MATCHED_PENDING' | 'LINKED';
}

/**
 * Posts the account's cash lines of the files from `ctx.since` (exclusive) to the trade date, in file
 * order. A line already posted (its source reference is on a flow) is skipped, so a retried or
 * repeated call posts nothing twice.
 */
export async function postCashActivity(trx: Knex.Transaction, ctx: SyncContext): Promise<CashPosting[]> {
  const lines: CashLine[] = await trx('custodian_cash_activity')
    .where({ account_number: ctx.account.custodianNumber })
    .where('process_date', '>', ctx.since)
    .where('process_date', '<=', ctx.tradeDate)
    .whereNull('trade_date')
    .orderBy(['process_date', 'line_no']);
  if (lines.length === 0) return [];
  const flows: FlowRow[] = await trx('cash_flows').where({ account_id: ctx.account.id }).forUpdate();
  const posted = new Set(flows.map((f) => f.source_ref).filter(Boolean));
  const out: CashPosting[] = [];
  for (const line of lines) {
    const ref = cashLineRef(line);
    if (posted.has(ref)) continue;
    const p = await postLine(trx, ctx, line, ref, flows);
    posted.add(ref);
    out.push(p);
    await writeAudit(trx, {
      actor: 'sync',
      action: p.type === 'WITHDRAWAL' && p.how === 'NEW' ? 'UNEXPECTED_WITHDRAWAL_POSTED' : 'CASH_POSTED',
      entity: 'account',
      entityId: ctx.account.id,
      details: {
        tradeDate: ctx.tradeDate,
        file: ctx.fileName(line.process_date, 'EXT869'),
        line: line.line_no,
        description: line.description,
        ...p,
      },
      idempotencyKey: `cash-posted:${ctx.account.id}:${ref}`,
    });
  }
  return out;
}

/** One line: matched to the book's own flow when there is one, else a new flow; the cash posted. */
async function postLine(
  trx: Knex.Transaction,
  ctx: SyncContext,
  line: CashLine,
  ref: string,
  flows: FlowRow[],
): Promise<CashPosting> {
  const amount = cashStr(dec(line.amount_in));
  const type = cashLineType(line);
  const same = (f: FlowRow) => f.source_ref === null && dec(f.amount).eq(dec(amount));
  const byRef = (f: FlowRow) =>
    line.trade_number !== '' &&
    (f.transfer_id === line.trade_number || f.custodian_ref === line.trade_number);
  // The book's withdrawal, sent to the custodian: the line with its transfer id pays it.
  const sent = flows.find((f) => f.status === 'SENT' && f.source_ref === null && byRef(f));
  if (sent) {
    await settleFlow(trx, sent, { status: 'PAID', source_ref: ref, posted_date: ctx.tradeDate });
    await addToCash(trx, ctx.account.id, amount);
    return { ref, flowId: sent.id, type: sent.type, amount, how: 'PAID' };
  }
  // A flow the book posted itself (its cash is in the book already): linked, not posted again.
  const linked = flows.find((f) => f.status === 'POSTED' && same(f) && byRef(f));
  if (linked) {
    await settleFlow(trx, linked, { status: 'POSTED', source_ref: ref, posted_date: ctx.tradeDate });
    return { ref, flowId: linked.id, type: linked.type, amount, how: 'LINKED' };
  }
  // A movement the book expected (PENDING, same amount and reference, or dated within 5 days).
  const expected = flows.find(
    (f) =>
      f.status === 'PENDING' && same(f) && (byRef(f) || withinDays(f.effective_date, line.entry_date, 5)),
  );
  if (expected) {
    await settleFlow(trx, expected, {
      status: expected.type === 'WITHDRAWAL' ? 'PAID' : 'POSTED',
      source_ref: ref,
      posted_date: ctx.tradeDate,
    });
    await addToCash(trx, ctx.account.id, amount);
    return { ref, flowId: expected.id, type: expected.type, amount, how: 'MATCHED_PENDING' };
  }
  const id = `CF-${line.process_date.replaceAll('-', '')}-${line.line_no}-${ctx.account.id}`;
  await trx('cash_flows').insert({
    id,
    account_id: ctx.account.id,
    type,
    amount,
    effective_date: line.entry_date,
    status: 'POSTED',
    custodian_ref: line.trade_number || null,
    source: 'CUSTODIAN',
    source_ref: ref,
    posted_date: ctx.tradeDate,
    description: line.description,
  });
  flows.push({
    id,
    type,
    amount,
    status: 'POSTED',
    effective_date: line.entry_date,
    custodian_ref: line.trade_number || null,
    transfer_id: null,
    source_ref: ref,
  });
  await addToCash(trx, ctx.account.id, amount);
  return { ref, flowId: id, type, amount, how: 'NEW' };
}

/** The book's flow met by a custodian line: its new status, the line that posted it, the morning. */
async function settleFlow(
  trx: Knex.Transaction,
  f: FlowRow,
  to: { status: string; source_ref: string; posted_date: string },
): Promise<void> {
  await trx('cash_flows').where({ id: f.id }).update(to);
  f.status = to.status;
  f.source_ref = to.source_ref;
}

function withinDays(a: string, b: string, days: number): boolean {
  const ms = Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`));
  return ms <= days * 86_400_000;
}
