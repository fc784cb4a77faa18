/**
 * What a log line is about, read from the workflow id (src/workflows/ids.ts): the trade date of
 * every workflow of the day, the account of an AccountDay, the symbol and side of a BlockOrder.
 * Pure and deterministic: the workflow log interceptor (bundled with the workflows) and the
 * activity one both use it. test/workers/logging.test.ts keeps it in step with ids.ts.
 */
export interface LogContext {
  tradeDate?: string;
  accountId?: string;
  batch?: number;
  symbol?: string;
  side?: string;
}

const DATE = '(\\d{4}-\\d{2}-\\d{2})';
const PATTERNS: [RegExp, (m: RegExpExecArray) => LogContext][] = [
  [new RegExp(`^account-day/${DATE}/(.+)$`), (m) => ({ tradeDate: m[1], accountId: m[2] })],
  [new RegExp(`^account-batch/${DATE}/(\\d+)$`), (m) => ({ tradeDate: m[1], batch: Number(m[2]) })],
  [
    new RegExp(`^block-order/${DATE}/([^/]+)/(BUY|SELL)$`),
    (m) => ({ tradeDate: m[1], symbol: m[2], side: m[3] }),
  ],
  [new RegExp(`^trading-day/${DATE}$`), (m) => ({ tradeDate: m[1] })],
];

export function logContextOf(workflowId: string | undefined): LogContext {
  if (!workflowId) return {};
  for (const [re, read] of PATTERNS) {
    const m = re.exec(workflowId);
    if (m) return read(m);
  }
  return {};
}
