/**
 * `cash withdraw --account A --amount 15000.00 --by NAME [--date D] [--request-id ID] [--note T]`
 * records a withdrawal request (the same service as the API's; docs/book-sync.md), and
 * `cash flows --account A` lists the account's cash flows with where each came from.
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { z } from 'zod';
import {
  type CashFlowView,
  WithdrawalRequestSchema,
  listCashFlows,
  requestWithdrawal,
} from '../book/withdrawals';
import { cliText } from './args';

export async function cmdCash(
  db: Knex,
  args: string[],
  today: string,
  say: (m: string) => void,
): Promise<void> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      account: { type: 'string' },
      amount: { type: 'string' },
      by: { type: 'string' },
      date: { type: 'string' },
      'request-id': { type: 'string' },
      note: { type: 'string' },
    },
  });
  if (sub === 'withdraw') {
    const by = z
      .string()
      .trim()
      .min(1, '--by is required (your name)')
      .max(200)
      .parse(cliText('by', values.by, 200) ?? '');
    const req = WithdrawalRequestSchema.parse({
      accountId: values.account ?? '',
      amount: values.amount ?? '',
      ...(values.date ? { effectiveDate: values.date } : {}),
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
      ...(values.note ? { note: values.note } : {}),
    });
    const r = await requestWithdrawal(db, req, { by, via: 'cli', today });
    say(`${r.duplicate ? 'already requested' : 'requested'}: ${renderFlows([r.flow])}`);
    return;
  }
  if (sub === 'flows') {
    const account = z
      .string()
      .min(1, '--account is required')
      .parse(values.account ?? '');
    const rows = await listCashFlows(db, account);
    say(rows.length ? renderFlows(rows) : `no cash flows for ${account}`);
    return;
  }
  throw new Error(
    'usage: cash withdraw --account A --amount 15000.00 --by NAME [--date D] [--request-id ID] [--note T] | cash flows --account A',
  );
}

export function renderFlows(rows: CashFlowView[]): string {
  return rows
    .map(
      (f) =>
        `${f.id}  ${f.type}  ${f.amount}  ${f.status}  effective ${f.effectiveDate}${f.postedDate ? `  posted ${f.postedDate}` : ''}  ${f.source}${f.sourceRef ? ` ${f.sourceRef}` : ''}${f.transferId ? `  transfer ${f.transferId}` : ''}`,
    )
    .join('\n');
}
