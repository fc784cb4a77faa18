/**
 * The simulator's Ascend dialect: the order routes exactly as the official SDK
 * (`@apexfintechsolutions/ascend-sdk` 1.8.x, funcs/orders*.ts) calls them, with its JSON:
 * snake_case fields, decimals as `{"value": "12.5"}`, dates as `{"year", "month", "day"}`,
 * errors as a google.rpc Status `{"code", "message", "details"}` with the HTTP status that
 * grpc-gateway gives the code.
 *
 *   POST /trading/v1/accounts/{account_id}/orders                    OrderCreate → Order
 *   GET  /trading/v1/accounts/{account_id}/orders?filter=&page_size=&page_token=
 *                                                                     → {orders, next_page_token}
 *   GET  /trading/v1/accounts/{account_id}/orders/{order_id}          → Order
 *   POST /trading/v1/accounts/{account_id}/orders/{order_id}:cancel   CancelOrderRequestCreate → Order
 *
 * What the simulator does not play: see docs/custodian-simulator.md (notional, LIMIT/STOP,
 * identifiers other than SYMBOL, the order-date window, the 365-day default of the list).
 */
import { z } from 'zod';
import { ZERO, cashStr, dec, zPositiveDecimal } from '../../domain/money';
import { type OrderStatus, TERMINAL_STATUSES } from '../port';
import { SimError } from './errors';
import type { ExecutionRow, OrderListQuery, OrderRow, SimCustodian } from './state';

/**
 * Refusals sent as FAILED_PRECONDITION: the cancel rejects Apex reports as CancelRejectedReason,
 * and a withdrawal beyond the account's cash.
 */
const FAILED_PRECONDITIONS = new Set([
  'TOO_LATE_TO_CANCEL',
  'ORDER_ALREADY_CANCELED',
  'ORDER_ALREADY_IN_PENDING_CANCEL_OR_PENDING_REPLACE_STATUS',
  'INSUFFICIENT_FUNDS',
]);

/** google.rpc.Code for an HTTP status, as grpc-gateway maps them. */
function grpcCode(status: number, reason: string): number {
  if (status === 400) return FAILED_PRECONDITIONS.has(reason) ? 9 : 3; // FAILED_PRECONDITION | INVALID_ARGUMENT
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return 5; // NOT_FOUND
  if (status === 409) return 6; // ALREADY_EXISTS
  if (status === 413) return 8; // RESOURCE_EXHAUSTED
  if (status === 501) return 12; // UNIMPLEMENTED
  if (status === 503) return 14; // UNAVAILABLE
  return 13; // INTERNAL
}

/**
 * The error body of every Ascend route: a google.rpc.Status whose ErrorInfo names the reason
 * (then any other details, e.g. a ResourceInfo naming what exists already).
 */
export function statusBody(
  status: number,
  reason: string,
  message: string,
  more: readonly unknown[] = [],
): { code: number; message: string; details: unknown[] } {
  return {
    code: grpcCode(status, reason),
    message: `${reason}: ${message}`,
    details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'sim.apexapis.com' },
      ...more,
    ],
  };
}

const DateParts = z.object({
  year: z.number().int().min(1900).max(9999),
  month: z.number().int().min(1).max(12),
  day: z.number().int().min(1).max(31),
});

function isoDate(d: z.infer<typeof DateParts>): string {
  const s = `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  const t = new Date(`${s}T00:00:00Z`);
  if (Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== s)
    throw new SimError(400, 'INVALID_ARGUMENT', `order_date: ${s} is not a calendar date`);
  return s;
}

const only = (value: string, why: string) => z.literal(value, { errorMap: () => ({ message: why }) });

/** components.OrderCreate as the SDK serialises it (OrderCreate$outboundSchema). */
const OrderCreateBody = z
  .object({
    asset_type: only('EQUITY', 'the simulator trades EQUITY only'),
    client_order_id: z.string().min(1).max(40, 'client_order_id must be at most 40 characters'),
    identifier: z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'must be an upper-case symbol'),
    identifier_type: only('SYMBOL', 'the simulator identifies securities by SYMBOL only'),
    side: z.enum(['BUY', 'SELL']),
    order_type: only('MARKET', 'the simulator fills MARKET orders only'),
    time_in_force: only('DAY', 'the simulator takes DAY orders only'),
    trading_session: only('CORE', 'the simulator trades the CORE session only').optional(),
    quantity: z
      .object({
        value: zPositiveDecimal.refine(
          (s) => !/\.\d{6,}$/.test(s),
          'equity quantities have at most 5 decimals',
        ),
      })
      .optional(),
    notional_value: z.unknown().optional(),
    limit_price: z.unknown().optional(),
    stop_price: z.unknown().optional(),
    order_date: DateParts,
  })
  .passthrough()
  .superRefine((o, ctx) => {
    if (o.notional_value !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['notional_value'],
        message: 'notional orders are not simulated',
      });
    else if (o.quantity === undefined)
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'quantity is required' });
    for (const f of ['limit_price', 'stop_price'] as const)
      if (o[f] !== undefined)
        ctx.addIssue({ code: 'custom', path: [f], message: 'not allowed on a MARKET order' });
  });

/** components.CancelOrderRequestCreate. */
const CancelBody = z
  .object({
    name: z.string().min(1),
    cancel_initiator: z.enum(['INITIATOR_UNSPECIFIED', 'FIRM', 'CLIENT']).optional(),
  })
  .passthrough();

function invalid(error: z.ZodError): SimError {
  return new SimError(
    400,
    'INVALID_ARGUMENT',
    error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
  );
}

/** An order as components.Order (Order$inboundSchema) reads it. */
export function ascendOrder(row: OrderRow, execs: ExecutionRow[]): Record<string, unknown> {
  const [year, month, day] = row.order_date.split('-').map((p) => Number.parseInt(p, 10));
  const notional = execs.reduce((acc, e) => acc.plus(dec(e.quantity).times(dec(e.price))), ZERO);
  return {
    name: `accounts/${row.account_number}/orders/${row.order_id}`,
    order_id: row.order_id,
    account_id: row.account_number,
    client_order_id: row.client_order_id,
    asset_type: 'EQUITY',
    identifier: row.symbol,
    identifier_type: 'SYMBOL',
    currency_code: 'USD',
    side: row.side,
    order_type: 'MARKET',
    time_in_force: 'DAY',
    trading_session: 'CORE',
    broker_capacity: 'AGENCY',
    quantity: { value: row.quantity },
    filled_quantity: { value: row.filled_quantity },
    average_prices:
      row.average_price === null ? [] : [{ type: 'PRICE_PER_UNIT', price: { value: row.average_price } }],
    cumulative_notional_value: { value: cashStr(notional) },
    executions: execs.map((e) => ({
      // Ascend's field; SDK 1.8.5's model does not have it yet and drops it.
      execution_id: e.execution_id,
      executed_time: new Date(e.executed_time).toISOString(),
      quantity: { value: e.quantity },
      executed_prices: [{ type: 'PRICE_PER_UNIT', price: { value: e.price } }],
    })),
    order_status: row.order_status,
    open: !TERMINAL_STATUSES.has(row.order_status as OrderStatus),
    ...(row.order_rejected_reason ? { order_rejected_reason: row.order_rejected_reason } : {}),
    order_date: { year, month, day },
    create_time: new Date(row.create_time).toISOString(),
    last_update_time: new Date(row.last_update_time).toISOString(),
  };
}

const FILTER_HELP =
  "ListAccountOrders filters on `open` and `order_date` only, terms joined by &&, e.g. open && order_date >= date('2025-05-10')";

/** The CEL subset ListAccountOrders documents: `open` and `order_date`, joined by &&. */
export function parseOrderFilter(filter: string): Pick<OrderListQuery, 'open' | 'orderDate'> {
  const out: Pick<OrderListQuery, 'open' | 'orderDate'> = { orderDate: [] };
  if (filter.trim() === '') return out;
  const ops = { '==': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;
  for (const raw of filter.split('&&')) {
    const term = raw.trim();
    const openEq = /^open\s*(==|!=)\s*(true|false)$/.exec(term);
    const date = /^order_date\s*(==|!=|<=|>=|<|>)\s*date\(\s*(['"])(\d{4})-(\d{2})-(\d{2})\2\s*\)$/.exec(
      term,
    );
    if (date) {
      const [year, month, day] = [date[3], date[4], date[5]].map((p) => Number.parseInt(p ?? '', 10));
      out.orderDate?.push({
        op: ops[date[1] as keyof typeof ops],
        date: isoDate({ year: year as number, month: month as number, day: day as number }),
      });
      continue;
    }
    let open: boolean;
    if (term === 'open') open = true;
    else if (/^!\s*open$/.test(term)) open = false;
    else if (openEq) open = (openEq[1] === '==') === (openEq[2] === 'true');
    else
      throw new SimError(
        400,
        'INVALID_ARGUMENT',
        `unsupported filter term ${JSON.stringify(term)}: ${FILTER_HELP}`,
      );
    if (out.open !== undefined && out.open !== open)
      throw new SimError(
        400,
        'INVALID_ARGUMENT',
        `contradictory open terms in filter ${JSON.stringify(filter)}`,
      );
    out.open = open;
  }
  return out;
}

const PageToken = z.object({ f: z.string(), us: z.string().regex(/^-?\d+$/), id: z.string() });

function decodePageToken(token: string, filter: string): { createUs: string; orderId: string } {
  let parsed: z.SafeParseReturnType<unknown, z.infer<typeof PageToken>>;
  try {
    parsed = PageToken.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw new SimError(400, 'INVALID_ARGUMENT', 'page_token is not a token this simulator issued');
  }
  if (!parsed.success)
    throw new SimError(400, 'INVALID_ARGUMENT', 'page_token is not a token this simulator issued');
  if (parsed.data.f !== filter)
    throw new SimError(
      400,
      'INVALID_ARGUMENT',
      'page_token was issued for another filter: repeat the same filter',
    );
  return { createUs: parsed.data.us, orderId: parsed.data.id };
}

async function view(sim: SimCustodian, rows: OrderRow[]): Promise<Record<string, unknown>[]> {
  const execs = await sim.executionsOf(rows.map((r) => r.order_id));
  return rows.map((r) => ascendOrder(r, execs.get(r.order_id) ?? []));
}

/** Same order terms as an existing order: Ascend answers a duplicate create with that order. */
function sameTerms(
  row: OrderRow,
  account: string,
  t: { identifier: string; side: string; quantity: string; orderDate: string },
): boolean {
  return (
    row.account_number === account &&
    row.symbol === t.identifier &&
    row.side === t.side &&
    dec(row.quantity).eq(dec(t.quantity)) &&
    row.order_date === t.orderDate
  );
}

export class AscendOrders {
  constructor(private readonly sim: SimCustodian) {}

  async create(account: string, body: unknown): Promise<Record<string, unknown>> {
    const parsed = OrderCreateBody.safeParse(body);
    if (!parsed.success) throw invalid(parsed.error);
    const o = parsed.data;
    const terms = {
      clientOrderId: o.client_order_id,
      identifier: o.identifier,
      side: o.side,
      quantity: o.quantity?.value as string,
      orderDate: isoDate(o.order_date),
    };
    const duplicate = async (): Promise<Record<string, unknown> | undefined> => {
      const existing = await this.sim.orderRowByClientOrderId(terms.clientOrderId);
      if (!existing) return undefined;
      if (!sameTerms(existing, account, terms))
        throw new SimError(
          409,
          'ALREADY_EXISTS',
          `client_order_id ${terms.clientOrderId} is already used by order ${existing.order_id} ` +
            `(${existing.account_number} ${existing.side} ${existing.quantity} ${existing.symbol} on ${existing.order_date}) ` +
            'with other terms',
        );
      return (await view(this.sim, [existing]))[0];
    };
    const known = await duplicate();
    if (known) return known;
    let orderId: string;
    try {
      orderId = (await this.sim.createOrder(account, terms)).orderId;
    } catch (e) {
      // A concurrent create with the same id won the race: answer as for any duplicate.
      const raced =
        (e instanceof SimError && e.code === 'DUPLICATE_ORDER') || (e as { code?: string }).code === '23505';
      const again = raced ? await duplicate() : undefined;
      if (again) return again;
      throw e;
    }
    return this.get(account, orderId);
  }

  async get(account: string, orderId: string): Promise<Record<string, unknown>> {
    const row = await this.sim.orderRow(account, orderId);
    if (!row) throw new SimError(404, 'NOT_FOUND', `order ${orderId} not found for account ${account}`);
    return (await view(this.sim, [row]))[0] as Record<string, unknown>;
  }

  async list(account: string, params: URLSearchParams): Promise<Record<string, unknown>> {
    const filter = params.get('filter') ?? '';
    const where = parseOrderFilter(filter);
    const sizeParam = params.get('page_size');
    if (sizeParam !== null && !/^-?\d+$/.test(sizeParam))
      throw new SimError(400, 'INVALID_ARGUMENT', 'page_size must be an integer');
    const asked = sizeParam === null ? 100 : Number.parseInt(sizeParam, 10);
    const pageSize = asked < 1 || asked > 100 ? 100 : asked;
    const token = params.get('page_token');
    const before = token ? decodePageToken(token, filter) : undefined;
    if (!(await this.sim.accountExists(account)))
      throw new SimError(404, 'NOT_FOUND', `account ${account} does not exist`);
    const rows = await this.sim.listOrderRows(account, { ...where, before, limit: pageSize + 1 });
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    const next =
      rows.length > pageSize && last
        ? Buffer.from(JSON.stringify({ f: filter, us: last.create_us, id: last.order_id })).toString(
            'base64url',
          )
        : '';
    return { orders: await view(this.sim, page), next_page_token: next };
  }

  async cancel(account: string, orderId: string, body: unknown): Promise<Record<string, unknown>> {
    const parsed = CancelBody.safeParse(body);
    if (!parsed.success) throw invalid(parsed.error);
    const expected = `accounts/${account}/orders/${orderId}`;
    if (parsed.data.name !== expected)
      throw new SimError(
        400,
        'INVALID_ARGUMENT',
        `name ${JSON.stringify(parsed.data.name)} does not match the path: expected ${expected}`,
      );
    const row = await this.sim.requestCancel(account, orderId);
    return (await view(this.sim, [row]))[0] as Record<string, unknown>;
  }
}
