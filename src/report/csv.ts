/**
 * The day report as CSV, one section per file (RFC 4180: a header row, CRLF, fields with a comma,
 * quote or line break quoted). Figures are the report's decimal strings, unchanged.
 */
import type { DayReport } from './day-report';

export const CSV_SECTIONS = ['orders', 'blocks', 'exceptions', 'drift', 'stages', 'notional'] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

function field(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function table(head: string[], rows: unknown[][]): string {
  return `${[head, ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}

export function reportCsv(r: DayReport, section: CsvSection): string {
  switch (section) {
    case 'orders':
      return table(
        [
          'trade_date',
          'account_id',
          'client_order_id',
          'proposal_id',
          'leg_no',
          'symbol',
          'side',
          'qty',
          'filled_qty',
          'avg_price',
          'residual_qty',
          'notional',
          'status',
          'reason',
          'block_id',
          'allocated_qty',
          'allocation_status',
        ],
        r.orders.map((o) => [
          r.tradeDate,
          o.accountId,
          o.clientOrderId,
          o.proposalId,
          o.legNo,
          o.symbol,
          o.side,
          o.qty,
          o.filledQty,
          o.avgPrice,
          o.residualQty,
          o.notional,
          o.status,
          o.reason,
          o.blockId,
          o.allocatedQty,
          o.allocationStatus,
        ]),
      );
    case 'blocks':
      return table(
        [
          'trade_date',
          'block_id',
          'symbol',
          'side',
          'requested_qty',
          'filled_qty',
          'avg_price',
          'residual_qty',
          'status',
          'accounts',
          'attempts',
        ],
        r.blocks.map((b) => [
          r.tradeDate,
          b.blockId,
          b.symbol,
          b.side,
          b.requestedQty,
          b.filledQty,
          b.avgPrice,
          b.residualQty,
          b.status,
          b.accounts,
          b.attempts.length,
        ]),
      );
    case 'exceptions':
      return table(
        ['trade_date', 'kind', 'account_id', 'subject', 'reason'],
        r.exceptions.map((e) => [r.tradeDate, e.kind, e.accountId, e.subject, e.reason]),
      );
    case 'drift':
      return table(
        ['trade_date', 'account_id', 'proposal_id', 'sleeve', 'target_pct', 'before_pp', 'after_pp'],
        r.drift.flatMap((a) =>
          a.sleeves.map((s) => [
            r.tradeDate,
            a.accountId,
            a.proposalId,
            s.sleeve,
            s.targetPct,
            s.beforePp,
            s.afterPp,
          ]),
        ),
      );
    case 'stages':
      return table(
        ['trade_date', 'stage', 'accounts'],
        r.stages.map((s) => [r.tradeDate, s.stage, s.accounts]),
      );
    case 'notional':
      return table(
        ['trade_date', 'symbol', 'side', 'filled_notional'],
        r.notional.map((n) => [r.tradeDate, n.symbol, n.side, n.notional]),
      );
  }
}
