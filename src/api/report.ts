/**
 * The day report's routes (docs/day-report.md): the report as JSON, and its export per trade date
 * (the whole report as a JSON file, or one section as CSV). Ops and traders see every account; an
 * advisor only their own (no firm-wide block rows).
 */
import { z } from 'zod';
import { CSV_SECTIONS, reportCsv } from '../report/csv';
import { type DayReport, dayReport } from '../report/day-report';
import type { ReportScope } from '../report/scope';
import { REPORT_STAGES } from '../report/timeline';
import type { ApiRoute } from './routes';
import { Decimal, FileOut, Instant, IsoDate } from './schemas';
import type { Principal } from './tokens';

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of different schema types
type AnySchema = z.ZodType<any, any, any>;
function reportRoute<P extends AnySchema, Q extends AnySchema, B extends AnySchema, R extends AnySchema>(
  r: ApiRoute<P, Q, B, R>,
): ApiRoute {
  return r as unknown as ApiRoute;
}

const Dn = Decimal.nullable();
const Stage = z.enum(REPORT_STAGES);

export const DayReportSchema = z
  .object({
    tradeDate: IsoDate,
    scope: z.enum(['firm', 'advisor']),
    advisorId: z.string().nullable(),
    generatedAt: Instant,
    accounts: z.number().int(),
    stages: z.array(z.object({ stage: Stage, accounts: z.number().int() })),
    timeline: z.array(z.object({ at: Instant, counts: z.record(z.number().int()) })),
    blocks: z.array(
      z.object({
        blockId: z.string(),
        symbol: z.string(),
        side: z.string(),
        requestedQty: Decimal,
        filledQty: Decimal,
        avgPrice: Dn,
        residualQty: Decimal,
        status: z.string(),
        accounts: z.number().int(),
        attempts: z.array(
          z.object({
            clientOrderId: z.string(),
            attempt: z.number().int(),
            qty: Decimal,
            filledQty: Decimal,
            status: z.string(),
            reason: z.string().nullable(),
          }),
        ),
      }),
    ),
    orders: z.array(
      z.object({
        clientOrderId: z.string(),
        accountId: z.string(),
        proposalId: z.string(),
        legNo: z.number().int(),
        symbol: z.string(),
        side: z.string(),
        qty: Decimal,
        filledQty: Decimal,
        avgPrice: Dn,
        residualQty: Decimal,
        notional: Decimal,
        status: z.string(),
        reason: z.string().nullable(),
        blockId: z.string().nullable(),
        allocatedQty: Dn,
        allocationStatus: z.string().nullable(),
      }),
    ),
    exceptions: z.array(
      z.object({
        kind: z.enum([
          'RECON_BREAK',
          'NOT_TRADED',
          'PARTLY_FILLED',
          'CONFIRM_BREAK',
          'ACCOUNT_FAILED',
          'NOTIFICATION',
        ]),
        accountId: z.string().nullable(),
        subject: z.string(),
        reason: z.string(),
      }),
    ),
    drift: z.array(
      z.object({
        accountId: z.string(),
        proposalId: z.string(),
        maxBeforePp: Decimal,
        maxAfterPp: Decimal,
        sleeves: z.array(
          z.object({ sleeve: z.string(), targetPct: Decimal, beforePp: Decimal, afterPp: Decimal }),
        ),
      }),
    ),
    notional: z.array(z.object({ symbol: z.string(), side: z.string(), notional: Decimal })),
  })
  .openapi('DayReport');

const ReportParams = z.object({ tradeDate: IsoDate });
const ExportQuery = z
  .object({
    format: z.enum(['json', 'csv']).default('json'),
    /** The CSV's section (default: orders, the blotter); ignored for JSON, which is the whole report. */
    section: z.enum(CSV_SECTIONS).default('orders'),
  })
  .strict();

function scopeOf(p: Principal): ReportScope {
  return p.kind === 'advisor' ? { advisorId: p.advisorId } : {};
}

export const REPORT_ROUTES: ApiRoute[] = [
  reportRoute({
    method: 'get',
    path: '/api/v1/reports/day/{tradeDate}',
    operationId: 'dayReport',
    summary: 'The day report',
    description:
      'Accounts per stage (at the end and over the day), the trade blotter (blocks, orders, allocations), exceptions with reasons, drift before and after by sleeve, filled notional by symbol and side. Ops and traders: every account; an advisor: their own accounts (no block rows).',
    tags: ['reports'],
    params: ReportParams,
    response: { description: 'The report', schema: DayReportSchema },
    problems: {},
    async handler({ params, principal, deps }): Promise<DayReport> {
      return dayReport(deps.db, params.tradeDate, scopeOf(principal));
    },
  }),
  reportRoute({
    method: 'get',
    path: '/api/v1/reports/day/{tradeDate}/export',
    operationId: 'dayReportExport',
    summary: 'The day report as a file',
    description:
      '`format=json`: the whole report; `format=csv&section=…`: one section (orders, the default; blocks, exceptions, drift, stages, notional) as RFC 4180 CSV. Sent as an attachment named after the trade date.',
    tags: ['reports'],
    params: ReportParams,
    query: ExportQuery,
    response: { description: 'The report file (JSON, or CSV with a header row)', schema: FileOut },
    produces: ['application/json', 'text/csv'],
    problems: {},
    async handler({ params, query, principal, deps }) {
      const r = await dayReport(deps.db, params.tradeDate, scopeOf(principal));
      const q = query as z.infer<typeof ExportQuery>;
      if (q.format === 'csv')
        return {
          type: 'text/csv; charset=utf-8',
          name: `day-report-${params.tradeDate}-${q.section}.csv`,
          body: reportCsv(r, q.section),
        };
      return {
        type: 'application/json; charset=utf-8',
        name: `day-report-${params.tradeDate}.json`,
        body: JSON.stringify(r, null, 2),
      };
    },
  }),
];
