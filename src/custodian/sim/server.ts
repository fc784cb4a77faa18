/**
 * The simulated custodian's HTTP API: the subset of Apex Ascend's order, trade allocation and ACH
 * withdrawal API the day needs, plus simulator-only endpoints (the start-of-day files for a process
 * date, corporate actions, cash activity, halts, faults).
 * Every request body is validated with zod.
 *
 * Two dialects share the order paths `/trading/v1/accounts/{account}/orders…`:
 * - Ascend's (./ascend.ts), as the official SDK speaks it, behind the service-account token
 *   flow (./auth.ts, `POST /iam/v1/serviceAccounts:generateAccessToken`); errors are a
 *   google.rpc Status `{code, message, details}`. On when the server is given `auth`.
 * - the hand-written client's (../http-client.ts): camelCase, flat decimal strings, the
 *   simulator's own token (`Authorization: Bearer <token>`); errors `{code, message}`. Served
 *   to requests that carry that token, unless `legacyRoutes: false`.
 * A request with another `Authorization` or an `x-api-key` is an Ascend request, and is refused
 * (401) without a valid token. Every request passes ./guard.ts first: a Host allow-list (421),
 * JSON bodies only (415), and the simulator's token on the /sim/v1 control routes (401).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Knex } from 'knex';
import { z } from 'zod';
import { zPositiveDecimal } from '../../domain/money';
import { AscendOrders, statusBody } from './ascend';
import { SimAuth, type SimAuthOptions, TOKEN_PATH } from './auth';
import { SimError } from './errors';
import {
  FileFaultSchema,
  type FileQuirks,
  type FileQuirksInput,
  type SodOptions,
  cancelPendingFiles,
} from './files';
import { SimGuard } from './guard';
import {
  type SettlementFault,
  SettlementFaultsSchema,
  activeSettlementFaults,
  setSettlementFaults,
} from './settlement';
import { sodRoutes } from './sod-routes';
import { type FillModel, SimCustodian, unit } from './state';
import { isTransferPath, transferRoutes } from './transfer-routes';

const CreateOrderBody = z
  .object({
    clientOrderId: z.string().min(1).max(40, 'clientOrderId must be at most 40 characters'),
    identifier: z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'must be an upper-case symbol'),
    identifierType: z.literal('SYMBOL'),
    side: z.enum(['BUY', 'SELL']),
    quantity: zPositiveDecimal.refine((s) => !/\.\d{6,}$/.test(s), 'at most 5 decimal places'),
    orderType: z.literal('MARKET'),
    timeInForce: z.literal('DAY'),
    orderDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  })
  .strict();

export interface SimServerOptions
  extends Omit<SodOptions, 'lowerCaseSymbols' | 'tradeFileHeader' | 'quirks' | 'faults' | 'now'> {
  db: Knex;
  fillModel: FillModel;
  port: number;
  host?: string;
  /** Service accounts and API key: turns on the token endpoint and the Ascend dialect. */
  auth?: SimAuthOptions;
  /** Serve requests with the simulator's token the hand-written client's dialect (default true). */
  legacyRoutes?: boolean;
  /**
   * The simulator's own token (CUSTODIAN_SIM_TOKEN, or made once under DATA_DIR/custodian):
   * the control routes and the hand-written client's routes need it. Default: a random one
   * (RunningSim.token).
   */
  token?: string;
  /** Host names served besides localhost, 127.0.0.1 and [::1] (CUSTODIAN_SIM_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  /**
   * The simulator's clock (executions, the business date of withdrawals and settlement faults, and
   * token expiry and JWS age unless `authClock` is given); default the system clock.
   */
  clock?: () => Date;
  /**
   * The clock the service-account tokens are checked with; default `clock`. A simulator on a
   * simulated day (a fixed or compressed clock) still needs the wall clock here: the SDK signs
   * its JWT with the time it is.
   */
  authClock?: () => Date;
}

/**
 * The fault switch, for tests and chaos runs (also `POST /sim/v1/faults`): a share of order-API
 * (and allocation and withdrawal) calls answered 503 before doing anything, a share of creations done but answered 503
 * (the response is lost: the caller must not send the order again), added latency, and faults
 * of the morning files (`files`: a file missing, late or with a corrupt row; see FileFaultSchema).
 * Settlement faults (a booked trade that fails or settles late) go through the same route but live
 * in the database (`settlements`, ./settlement.ts).
 */
export const FaultsSchema = z
  .object({
    errorRate: z.number().min(0).max(1).default(0),
    dropResponseRate: z.number().min(0).max(1).default(0),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    /** An outage: the next N order, allocation and withdrawal calls all fail with 503, then it is over. */
    downForCalls: z.number().int().min(0).max(1_000_000).default(0),
    files: z.array(FileFaultSchema).max(100).default([]),
  })
  .strict();
export type Faults = z.infer<typeof FaultsSchema>;

/**
 * What `POST /sim/v1/faults` takes: any of the switches, and `settlements`, the settlement faults
 * to put in force (kept in the database, not in the switch: ./settlement.ts).
 */
const FaultsInput = FaultsSchema.partial()
  .extend({ settlements: SettlementFaultsSchema.optional() })
  .strict();

export interface RunningSim {
  url: string;
  sim: SimCustodian;
  setFaults(f: Partial<Faults>): Faults;
  /**
   * Puts exactly these settlement faults in force (also `POST /sim/v1/faults {"settlements": [...]}`);
   * the ones left out are released on the business date.
   */
  setSettlementFaults(f: readonly SettlementFault[]): Promise<SettlementFault[]>;
  /** The morning files' quirks for every request (also `POST /sim/v1/file-quirks`). */
  setFileQuirks(q: FileQuirksInput): FileQuirks;
  /** How many faults were injected so far, by kind. */
  injected: { errors: number; droppedResponses: number };
  auth?: SimAuth;
  /** The simulator's token: `Authorization: Bearer <token>` for /sim/v1 and the hand-written client. */
  token: string;
  close(): Promise<void>;
}

async function body(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new SimError(413, 'TOO_LARGE', 'request body over 1 MB');
    chunks.push(c as Buffer);
  }
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SimError(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
}

export async function startSimServer(opts: SimServerOptions): Promise<RunningSim> {
  const clock = opts.clock ?? (() => new Date());
  const sim = new SimCustodian(opts.db, opts.fillModel, clock);
  const auth = opts.auth ? new SimAuth(opts.db, opts.auth, opts.authClock ?? clock) : undefined;
  const ascend = new AscendOrders(sim);
  const legacyRoutes = opts.legacyRoutes ?? true;
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const guard = new SimGuard(token, opts.allowedHosts);
  const dropAnswer = new WeakSet<http.ServerResponse>();
  const send = (
    res: http.ServerResponse,
    status: number,
    payload: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ) => {
    if (dropAnswer.has(res) && status < 300) {
      injected.droppedResponses++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'UNAVAILABLE', message: 'response lost (injected fault)' }));
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  };
  const noAuth = () =>
    new SimError(
      501,
      'UNIMPLEMENTED',
      'this simulator was started without service accounts (the `auth` option)',
    );
  let faults: Faults = FaultsSchema.parse({});
  const injected = { errors: 0, droppedResponses: 0 };
  let faultDraw = 0;
  const chance = (rate: number) => rate > 0 && unit(opts.fillModel.seed, `fault:${faultDraw++}`) < rate;
  const setFaults = (f: Partial<Faults>): Faults => {
    faults = FaultsSchema.parse({ ...faults, ...f });
    return faults;
  };
  const files = sodRoutes({
    db: opts.db,
    sim,
    dropDir: opts.dropDir,
    correspondent: opts.correspondent,
    fileFaults: () => faults.files,
  });
  const transfers = transferRoutes({ db: opts.db, clock });
  const server = http.createServer(async (req, res) => {
    let dialect: 'legacy' | 'ascend' = 'legacy';
    try {
      const url = new URL(req.url ?? '/', 'http://sim');
      const parts = url.pathname.split('/').filter(Boolean);
      guard.checkHost(req);
      guard.checkContentType(req);
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
      // A request with the simulator's token is the hand-written client or a control call; one
      // with other credentials speaks Ascend (when the simulator serves it: else it is a bad token).
      const ascendCredentials =
        auth !== undefined &&
        !guard.isSimCaller(req) &&
        (req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined);
      if (parts[0] === 'sim') guard.requireSimCaller(req);
      if (url.pathname === '/sim/v1/faults') {
        const settlements = () => activeSettlementFaults(opts.db);
        if (req.method === 'GET')
          return send(res, 200, { faults: { ...faults, settlements: await settlements() }, injected });
        if (req.method !== 'POST')
          throw new SimError(404, 'NOT_FOUND', `${req.method} ${url.pathname} is not a route`);
        const parsed = FaultsInput.safeParse(await body(req));
        if (!parsed.success) {
          const msg = parsed.error.issues
            .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
            .join('; ');
          return send(res, 400, { code: 'INVALID_ARGUMENT', message: msg });
        }
        const { settlements: wanted, ...switches } = parsed.data;
        if (wanted !== undefined) await setSettlementFaults(opts.db, wanted, clock());
        return send(res, 200, { faults: { ...setFaults(switches), settlements: await settlements() } });
      }
      if (parts[0] === 'trading' || parts[0] === 'booking' || parts[0] === 'transfers') {
        if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
        if (faults.downForCalls > 0) {
          faults = { ...faults, downForCalls: faults.downForCalls - 1 };
          injected.errors++;
          throw new SimError(503, 'UNAVAILABLE', 'the custodian is down (injected outage)');
        }
        if (chance(faults.errorRate)) {
          injected.errors++;
          throw new SimError(503, 'UNAVAILABLE', 'the custodian is unavailable (injected fault)');
        }
        // A creation (order, allocation, withdrawal) carried out whose answer never reaches the caller.
        if (req.method === 'POST' && parts.length === 5 && chance(faults.dropResponseRate))
          dropAnswer.add(res);
      }
      if (url.pathname === TOKEN_PATH) {
        dialect = 'ascend';
        if (req.method !== 'POST')
          throw new SimError(404, 'NOT_FOUND', `${req.method} ${url.pathname} is not a route`);
        if (!auth) throw noAuth();
        return send(res, 200, await auth.issueToken(req, await body(req)));
      }
      // /trading/v1/accounts/{account}/orders[/{orderId}[:cancel]]
      if (parts[0] === 'trading' && parts[1] === 'v1' && parts[2] === 'accounts' && parts[4] === 'orders') {
        const account = decodeURIComponent(parts[3] ?? '');
        const tail = parts[5] ? decodeURIComponent(parts[5]) : undefined;
        if (ascendCredentials || !legacyRoutes) {
          dialect = 'ascend';
          if (!auth) throw noAuth();
          await auth.authenticate(req);
          if (parts.length === 5 && req.method === 'POST')
            return send(res, 200, await ascend.create(account, await body(req)));
          if (parts.length === 5 && req.method === 'GET')
            return send(res, 200, await ascend.list(account, url.searchParams));
          if (parts.length === 6 && tail?.endsWith(':cancel') && req.method === 'POST')
            return send(
              res,
              200,
              await ascend.cancel(account, tail.slice(0, -':cancel'.length), await body(req)),
            );
          if (parts.length === 6 && tail && req.method === 'GET')
            return send(res, 200, await ascend.get(account, tail));
          throw new SimError(404, 'NOT_FOUND', `${req.method} ${url.pathname} is not a route`);
        }
        guard.requireSimCaller(req);
        if (!tail && req.method === 'POST') {
          const parsed = CreateOrderBody.safeParse(await body(req));
          if (!parsed.success) {
            const msg = parsed.error.issues
              .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
              .join('; ');
            return send(res, 400, { code: 'INVALID_ARGUMENT', message: msg });
          }
          return send(res, 200, await sim.createOrder(account, parsed.data));
        }
        if (!tail && req.method === 'GET') {
          const clientOrderId = url.searchParams.get('clientOrderId');
          if (!clientOrderId)
            return send(res, 400, {
              code: 'INVALID_ARGUMENT',
              message: 'clientOrderId query parameter is required',
            });
          const o = await sim.findByClientOrderId(account, clientOrderId);
          return send(res, 200, { orders: o ? [o] : [] });
        }
        if (tail?.endsWith(':cancel') && req.method === 'POST') {
          return send(res, 200, await sim.cancelOrder(account, tail.slice(0, -':cancel'.length)));
        }
        if (tail && req.method === 'GET') return send(res, 200, await sim.getOrder(account, tail));
      }
      // Ascend TradeAllocation: /booking/v1/accounts/{account}/tradeAllocations (the account is the
      // average-price account the shares come from). Idempotent by clientOrderId.
      if (
        parts[0] === 'booking' &&
        parts[1] === 'v1' &&
        parts[2] === 'accounts' &&
        parts[4] === 'tradeAllocations' &&
        parts.length === 5 &&
        req.method === 'POST'
      ) {
        if (ascendCredentials) {
          dialect = 'ascend';
          if (!auth) throw noAuth();
          await auth.authenticate(req);
        } else guard.requireSimCaller(req);
        // Ascend's wire format is snake_case (the SDK maps it); the plain client sends camelCase.
        const raw = await body(req);
        const parsed = AllocationBody.safeParse(dialect === 'ascend' ? camelKeys(raw) : raw);
        if (!parsed.success) throw new SimError(400, 'INVALID_ARGUMENT', issuesText(parsed.error));
        const b = parsed.data;
        const account = decodeURIComponent(parts[3] ?? '');
        if (account !== b.fromAccountId)
          throw new SimError(
            400,
            'INVALID_ARGUMENT',
            `fromAccountId ${b.fromAccountId} must be the account in the path (${account})`,
          );
        const { allocation, duplicate } = await sim.allocate({
          clientOrderId: b.clientOrderId,
          fromAccountId: b.fromAccountId,
          toAccountId: b.toAccountId,
          identifier: b.identifier,
          toSide: b.toSide,
          quantity: b.quantity.value,
          price: b.price.value,
          tradeDate: etDate(b.executionTime),
          ...(b.lotMatchingInstructions
            ? {
                lotMatchingInstructions: b.lotMatchingInstructions.map((l) => ({
                  ...(l.id !== undefined ? { id: l.id } : {}),
                  ...(l.tradeDate !== undefined ? { tradeDate: l.tradeDate } : {}),
                  ...(l.price !== undefined ? { price: l.price.value } : {}),
                  ...(l.quantity !== undefined ? { quantity: l.quantity.value } : {}),
                })),
              }
            : {}),
        });
        // Ascend answers a repeat with a google.rpc.Status (ALREADY_EXISTS), no allocation in it.
        if (duplicate && dialect === 'ascend')
          throw new SimError(409, 'ALREADY_EXISTS', `allocation ${b.clientOrderId} exists`);
        const answer = {
          ...(duplicate ? { code: 'ALREADY_EXISTS', message: `allocation ${b.clientOrderId} exists` } : {}),
          name: `accounts/${allocation.from_account}/tradeAllocations/${allocation.allocation_id}`,
          tradeAllocationId: allocation.allocation_id,
          clientOrderId: allocation.client_order_id,
          fromAccountId: allocation.from_account,
          toAccountId: allocation.to_account,
          identifier: allocation.symbol,
          toSide: allocation.side,
          quantity: { value: allocation.quantity },
          price: { value: allocation.price },
          state: 'BOOKED',
          // The client account's booked trade (its order id in the trade file).
          toActivityId: allocation.order_id,
        };
        return send(res, duplicate ? 409 : 200, dialect === 'ascend' ? snakeKeys(answer) : answer);
      }
      // Ascend ACH withdrawals: /transfers/v1/accounts/{account}/achWithdrawals[/{id}] (./transfer-routes.ts).
      if (isTransferPath(parts)) {
        if (ascendCredentials || !legacyRoutes) {
          dialect = 'ascend';
          if (!auth) throw noAuth();
          await auth.authenticate(req);
        } else guard.requireSimCaller(req);
        const answer = await transfers.handle(req.method ?? 'GET', parts, () => body(req), dialect);
        if (answer) return send(res, answer.status, answer.payload);
      }
      // Simulator only: trading halts. GET/POST /sim/v1/halts, DELETE /sim/v1/halts/{symbol}
      if (parts[0] === 'sim' && parts[1] === 'v1' && parts[2] === 'halts') {
        if (req.method === 'GET' && parts.length === 3) return send(res, 200, { halts: await sim.halts() });
        if (req.method === 'POST' && parts.length === 3) {
          const parsed = HaltBody.safeParse(await body(req));
          if (!parsed.success)
            return send(res, 400, { code: 'INVALID_ARGUMENT', message: issuesText(parsed.error) });
          await sim.setHalt(parsed.data);
          return send(res, 200, { halts: await sim.halts() });
        }
        if (req.method === 'DELETE' && parts.length === 4) {
          await sim.liftHalt(decodeURIComponent(parts[3]!));
          return send(res, 200, { halts: await sim.halts() });
        }
      }
      // Simulator only: the morning files, corporate actions, cash activity (./sod-routes.ts).
      const answer = await files.handle(req.method ?? 'GET', url, () => body(req));
      if (answer) return send(res, answer.status, answer.payload);
      return send(res, 404, { code: 'NOT_FOUND', message: `${req.method} ${url.pathname} is not a route` });
    } catch (e) {
      const known = e instanceof SimError;
      if (!known) console.error('[custodian-sim]', e);
      const status = known ? e.status : 500;
      const code = known ? e.code : 'SYSTEM_ERROR';
      const message = (e as Error).message;
      if (dialect === 'legacy') return send(res, status, { code, message });
      const headers: http.OutgoingHttpHeaders =
        status === 401
          ? { 'www-authenticate': 'Bearer realm="sim.apexapis.com", error="invalid_token"' }
          : {};
      return send(res, status, statusBody(status, code, message), headers);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  return {
    url: `http://127.0.0.1:${port}`,
    sim,
    auth,
    token,
    setFaults,
    setSettlementFaults: (f) => setSettlementFaults(opts.db, f, clock()),
    setFileQuirks: files.setQuirks,
    injected,
    close: () =>
      new Promise((resolve) => {
        cancelPendingFiles(opts.dropDir);
        server.close(() => resolve());
      }),
  };
}

const DecimalValue = z.object({
  value: z.string().regex(/^\d{1,13}(\.\d{1,6})?$/, 'a positive decimal string'),
});

/** Ascend's DateCreate ({year, month, day}) as an ISO date, refused when it is not a real date. */
const DateValue = z
  .object({
    year: z.number().int().min(1900).max(2999),
    month: z.number().int().min(1).max(12),
    day: z.number().int().min(1).max(31),
  })
  .transform((d, ctx) => {
    const iso = `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
    if (new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${iso} is not a date` });
      return z.NEVER;
    }
    return iso;
  });

/** A lot matching instruction (Ascend's LotCreate): the lot to close, by id or by trade date and price. */
const LotMatchBody = z
  .object({
    id: z.string().min(1).max(64).optional(),
    tradeDate: DateValue.optional(),
    price: DecimalValue.optional(),
    quantity: DecimalValue.optional(),
  })
  .refine((l) => l.id !== undefined || (l.tradeDate !== undefined && l.price !== undefined), {
    message: 'a lot matching instruction needs the lot id, or its tradeDate and price',
  });

/** The subset of Ascend's TradeAllocationCreate the simulator books (the rest is accepted and ignored). */
const AllocationBody = z.object({
  clientOrderId: z.string().min(1).max(40),
  fromAccountId: z.string().min(1),
  toAccountId: z.string().min(1),
  identifier: z.string().min(1),
  identifierType: z.literal('SYMBOL'),
  assetType: z.literal('EQUITY'),
  toSide: z.enum(['BUY', 'SELL']),
  quantity: DecimalValue,
  price: DecimalValue,
  executionTime: z.string().datetime({ offset: true }),
  sourceApplication: z.string().min(1),
  brokerCapacity: z.string().optional(),
  lotMatchingInstructions: z.array(LotMatchBody).max(500).optional(),
});

const HaltBody = z
  .object({
    symbol: z.string().min(1).max(12),
    reason: z.enum(['LULD', 'MWCB1', 'MWCB2', 'MWCB3']),
    until: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

function issuesText(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** The New York calendar date of an instant (an allocation's trade date). */
function etDate(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date(iso));
}

const toCamel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function mapKeys(v: unknown, f: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => mapKeys(x, f));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), mapKeys(x, f)]));
  return v;
}

/** Ascend's snake_case body as the simulator's camelCase schema reads it. */
function camelKeys(v: unknown): unknown {
  return mapKeys(v, toCamel);
}

/** An answer in Ascend's snake_case. */
function snakeKeys(v: unknown): unknown {
  return mapKeys(v, toSnake);
}
