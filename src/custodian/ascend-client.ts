/**
 * The custodian port on Apex's official TypeScript SDK, `@apexfintechsolutions/ascend-sdk`
 * (1.8.x, MIT). The same adapter talks to Apex (UAT, sandbox, production) or to our simulator:
 * only `serverURL` differs.
 *
 * What the SDK does underneath (read from its source, 1.8.5):
 * - before every call, a hook signs a JWT (RS256; payload name, organization, datetime, iat)
 *   with the service account's PKCS#8 private key and exchanges it at
 *   `POST {origin}/iam/v1/serviceAccounts:generateAccessToken` (header `x-api-key`, body
 *   `{"jws"}`) for `{access_token, expires_in}`; it keeps the token max(expires_in − 3600, 60) s;
 * - order calls send `x-api-key` and `Authorization: Bearer`, JSON in snake_case, decimals as
 *   `{"value": "<string>"}` (they reach us as strings: no JS number ever holds a quantity or a
 *   price), dates as `{year, month, day}`;
 * - by default it retries every 4XX and 5XX for 15 s; this adapter turns that off (Temporal
 *   retries activities, and a 409 or a 401 is not worth repeating blindly).
 *
 * Where the SDK falls short of the port, and what the adapter does about it:
 * - ListAccountOrders filters on `open` and `order_date` only, not on client order id. `findOrder`
 *   remembers the order id of every order it has seen (then it is one GetOrder), otherwise it
 *   pages through the account's orders, narrowed to one order date when `orderDateOf` can read
 *   the date from the client order id (see `orderDateFromClientOrderId`).
 * - SDK 1.8.5's execution model has no `execution_id` (Ascend added it later; the zod model drops
 *   unknown fields). When it is missing, the execution id is derived from the order id and the
 *   execution's time, quantity and price, which is stable across reads.
 * - Cancels are asynchronous at Apex: the order answers PENDING_CANCEL, a later read CANCELED.
 * - ACH withdrawals (`achTransfers.createAchWithdrawal`): a repeated client transfer id is refused
 *   ALREADY_EXISTS and the SDK has no lookup by it; the existing withdrawal is read back
 *   (`getAchWithdrawal`) by the name the error's google.rpc ResourceInfo gives, as the simulator
 *   sends it. Without one the adapter says so (CustodianProtocolError) rather than guess.
 */
import { Apexascend } from '@apexfintechsolutions/ascend-sdk';
import { dec, zDecimal, zPositiveDecimal } from '../domain/money';
import { CustodianHttpError } from './http-client';
import {
  type AllocateRequest,
  type AllocateResult,
  type CreateOrderRequest,
  type CustodianOrder,
  CustodianOrderSchema,
  type CustodianPort,
  CustodianProtocolError,
  type WithdrawalRequest,
  type WithdrawalResult,
  defaultBankRelationship,
  lotMatchingInstructions,
  withdrawalIdFromName,
} from './port';

type Orders = Apexascend['orders'];
type AscendOrder = NonNullable<Awaited<ReturnType<Orders['getOrder']>>['order']>;
type OrderCreate = Parameters<Orders['createOrder']>[0];
type TradeAllocationCreate = Parameters<Apexascend['tradeAllocation']['createTradeAllocation']>[0];
type AchWithdrawal = NonNullable<
  Awaited<ReturnType<Apexascend['achTransfers']['getAchWithdrawal']>>['achWithdrawal']
>;

export interface AscendServiceAccount {
  /** `serviceAccountCreds.name` */
  name: string;
  /** `serviceAccountCreds.organization`, e.g. `correspondents/00000000-0000-0000-0000-000000000000` */
  organization: string;
  /** The service account's RSA private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  privateKeyPem: string;
}

export interface AscendCustodianOptions {
  /** `https://uat.apexapis.com`, `https://api.apexapis.com`, or the simulator's URL. */
  serverURL: string;
  apiKey: string;
  serviceAccount: AscendServiceAccount;
  /** Per-request timeout, ms; default 15,000. */
  timeoutMs?: number;
  /**
   * The order date of a client order id, when the caller's id scheme carries it (ours does:
   * `orderDateFromClientOrderId`). Lets `findOrder` list one day instead of a year.
   */
  orderDateOf?: (clientOrderId: string) => string | undefined;
  /** Where `POST /sim/v1/sod-files/{date}` is served (simulator only); default `serverURL`. */
  simulatorURL?: string;
  /** The simulator's own token for that call (src/custodian/sim/guard.ts). */
  simulatorToken?: string;
}

/**
 * `YYYYMMDD-…` (activities/orders.ts `clientOrderIdFor`) or a block order's `BYYYYMMDD-…`
 * (activities/blocks.ts) → `YYYY-MM-DD`; undefined otherwise.
 */
export function orderDateFromClientOrderId(clientOrderId: string): string | undefined {
  const m = /^B?(\d{4})(\d{2})(\d{2})-/.exec(clientOrderId);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** Cancel answers that mean "nothing left to cancel": the next read tells what happened. */
const CANCEL_NOOP = new Set([
  'TOO_LATE_TO_CANCEL',
  'ORDER_ALREADY_CANCELED',
  'ORDER_ALREADY_IN_PENDING_CANCEL_OR_PENDING_REPLACE_STATUS',
]);

const GRPC_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

const MAX_REMEMBERED = 20_000;
const MAX_PAGES = 1_000;

interface SdkHttpError {
  name: string;
  message: string;
  httpMeta: { response: Response; body: string };
}

function sdkHttpError(e: unknown): SdkHttpError | undefined {
  const meta = (e as { httpMeta?: { response?: unknown; body?: unknown } } | null)?.httpMeta;
  return e instanceof Error && meta?.response instanceof Response
    ? (e as unknown as SdkHttpError)
    : undefined;
}

/** An SDK failure as the port's errors: HTTP answers keep status and reason; the rest pass through. */
function translate(what: string, e: unknown): unknown {
  const http = sdkHttpError(e);
  if (http?.name === 'ResponseValidationError') {
    // Which fields: the zod issues behind the SDK's "Response validation failed".
    const issues = (e as { cause?: { issues?: { path: (string | number)[]; message: string }[] } }).cause
      ?.issues;
    const detail = issues?.length
      ? `: ${issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`
      : '';
    return new CustodianProtocolError(
      `${what}: the SDK could not read the custodian's answer: ${http.message}${detail}`,
    );
  }
  if (http) {
    const status = http.httpMeta.response.status;
    let reason: string | undefined;
    let message = http.message;
    let parsed: unknown;
    try {
      parsed = JSON.parse(http.httpMeta.body);
      const body = parsed as {
        code?: number;
        message?: string;
        details?: { reason?: unknown }[];
      };
      const r = body.details?.find((d) => typeof d?.reason === 'string')?.reason;
      reason = typeof r === 'string' ? r : body.code !== undefined ? GRPC_NAMES[body.code] : undefined;
      message = typeof body.message === 'string' ? body.message : message;
    } catch {
      // not JSON: keep the SDK's message
    }
    return new CustodianHttpError(
      status,
      reason ?? `HTTP_${status}`,
      `${what}: ${status} ${message}`,
      parsed,
    );
  }
  // The token hook throws a plain Error, which the SDK wraps as UnexpectedClientError.
  const cause = (e as { cause?: unknown } | null)?.cause;
  const token =
    cause instanceof Error ? /generating service account token.*status: (\d+)/.exec(cause.message) : null;
  if (token)
    return new CustodianHttpError(
      Number(token[1]),
      'TOKEN_REFUSED',
      `${what}: the custodian refused the service account's signed JWT (${(cause as Error).message})`,
    );
  return e;
}

/** The resource a google.rpc Status's ResourceInfo names (what exists already), if any. */
function resourceName(body: unknown): string | undefined {
  const details = (body as { details?: unknown } | undefined)?.details;
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    const r = d as { '@type'?: unknown; resource_name?: unknown };
    if (String(r['@type'] ?? '').endsWith('google.rpc.ResourceInfo') && typeof r.resource_name === 'string')
      return r.resource_name;
  }
  return undefined;
}

function dateParts(orderDate: string): { year: number; month: number; day: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(orderDate);
  if (!m) throw new CustodianProtocolError(`order date must be YYYY-MM-DD, got ${JSON.stringify(orderDate)}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** components.Order → CustodianOrder. Decimals stay the strings the custodian sent. */
export function toCustodianOrder(o: AscendOrder, where: string): CustodianOrder {
  const fail = (msg: string) =>
    new CustodianProtocolError(`${where}: malformed order from custodian: ${msg}`);
  const decimal = (d: { value?: string | undefined } | null | undefined, field: string, absent?: string) => {
    const v = d?.value;
    if (v === undefined || v === '') {
      if (absent !== undefined) return absent;
      throw fail(`${field} is missing`);
    }
    if (!zDecimal.safeParse(v).success) throw fail(`${field} is not a decimal string: ${JSON.stringify(v)}`);
    return v;
  };
  const orderId = o.orderId ?? '';
  const status = String(o.orderStatus ?? '');
  const reason = o.orderRejectedReason ? String(o.orderRejectedReason) : undefined;
  const d = o.orderDate;
  if (!d?.year || !d.month || !d.day) throw fail('order_date is missing');
  const perUnit = (o.averagePrices ?? []).find(
    (p) => String(p.type ?? 'PRICE_PER_UNIT') === 'PRICE_PER_UNIT',
  );
  const seen = new Map<string, number>();
  const executions = (o.executions ?? []).map((e, i) => {
    const quantity = decimal(e.quantity, `executions[${i}].quantity`);
    const price = decimal(
      (e.executedPrices ?? []).find((p) => String(p.type ?? 'PRICE_PER_UNIT') === 'PRICE_PER_UNIT')?.price,
      `executions[${i}].executed_prices`,
    );
    if (!e.executedTime) throw fail(`executions[${i}].executed_time is missing`);
    const executedTime = e.executedTime.toISOString();
    // Newer SDKs carry Ascend's execution_id; 1.8.5 drops it.
    const given = (e as { executionId?: unknown }).executionId;
    let executionId: string;
    if (typeof given === 'string' && given !== '') executionId = given;
    else {
      const key = `${orderId}/${executedTime}/${quantity}@${price}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      executionId = n === 1 ? key : `${key}#${n}`;
    }
    return { executionId, quantity, price, executedTime };
  });
  const parsed = CustodianOrderSchema.safeParse({
    orderId,
    clientOrderId: o.clientOrderId,
    accountId: o.accountId,
    identifier: o.identifier,
    side: o.side === undefined ? undefined : String(o.side),
    quantity: decimal(o.quantity, 'quantity'),
    filledQuantity: decimal(o.filledQuantity, 'filled_quantity', '0'),
    averagePrice: perUnit?.price?.value ? decimal(perUnit.price, 'average_prices') : null,
    orderStatus: status,
    orderRejectedReason:
      reason && reason !== 'ORDER_REJECT_REASON_UNSPECIFIED'
        ? reason
        : status === 'REJECTED'
          ? 'ORDER_REJECT_REASON_UNSPECIFIED'
          : null,
    orderDate: `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`,
    executions,
  });
  if (!parsed.success)
    throw fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

export class AscendCustodian implements CustodianPort {
  private sdk: Apexascend;
  /** clientOrderId → orderId of orders seen, oldest first (bounded). */
  private readonly orderIds = new Map<string, string>();

  constructor(private readonly opts: AscendCustodianOptions) {
    this.sdk = this.newSdk();
  }

  /** A fresh SDK instance: its token hook starts without a cached token. */
  private newSdk(): Apexascend {
    const { serverURL, apiKey, serviceAccount, timeoutMs } = this.opts;
    return new Apexascend({
      serverURL,
      security: {
        apiKey,
        serviceAccountCreds: {
          privateKey: serviceAccount.privateKeyPem,
          name: serviceAccount.name,
          organization: serviceAccount.organization,
          type: 'serviceAccount',
        },
      },
      retryConfig: { strategy: 'none' },
      timeoutMs: timeoutMs ?? 15_000,
    });
  }

  /**
   * One SDK call. A 401 from an order route means the cached token died early (revoked,
   * custodian restarted): one fresh token, one retry. Safe for creates too: a 401 is answered
   * before anything is done.
   */
  private async call<T>(what: string, fn: (sdk: Apexascend) => Promise<T>): Promise<T> {
    try {
      return await fn(this.sdk);
    } catch (e) {
      if (sdkHttpError(e)?.httpMeta.response.status !== 401) throw translate(what, e);
    }
    this.sdk = this.newSdk();
    try {
      return await fn(this.sdk);
    } catch (e) {
      throw translate(what, e);
    }
  }

  private remember(o: CustodianOrder): CustodianOrder {
    this.orderIds.delete(o.clientOrderId);
    this.orderIds.set(o.clientOrderId, o.orderId);
    if (this.orderIds.size > MAX_REMEMBERED) {
      const oldest = this.orderIds.keys().next().value;
      if (oldest !== undefined) this.orderIds.delete(oldest);
    }
    return o;
  }

  async createOrder(req: CreateOrderRequest): Promise<CustodianOrder> {
    if (!zPositiveDecimal.safeParse(req.quantity).success)
      throw new CustodianProtocolError(
        `createOrder: quantity must be a positive decimal string, got ${req.quantity}`,
      );
    const body: OrderCreate = {
      assetType: 'EQUITY' as OrderCreate['assetType'],
      clientOrderId: req.clientOrderId,
      identifier: req.symbol,
      identifierType: 'SYMBOL' as OrderCreate['identifierType'],
      side: req.side as OrderCreate['side'],
      orderType: 'MARKET' as OrderCreate['orderType'],
      timeInForce: 'DAY' as OrderCreate['timeInForce'],
      quantity: { value: req.quantity },
      orderDate: dateParts(req.orderDate),
    };
    const where = `createOrder ${req.accountNumber} ${req.clientOrderId}`;
    const res = await this.call(where, (sdk) => sdk.orders.createOrder(body, req.accountNumber));
    if (!res.order) throw new CustodianProtocolError(`${where}: no order in the answer`);
    return this.remember(toCustodianOrder(res.order, where));
  }

  /**
   * Ascend TradeAllocation: moves a block's shares from the average-price account to a client
   * account at the block's average price. A retry of a booked allocation is refused by Apex as
   * ALREADY_EXISTS (uniqueness on account, client order id and process date): that is success.
   */
  async allocate(req: AllocateRequest): Promise<AllocateResult> {
    const body: TradeAllocationCreate = {
      assetType: 'EQUITY' as TradeAllocationCreate['assetType'],
      brokerCapacity: 'AGENCY' as TradeAllocationCreate['brokerCapacity'],
      clientOrderId: req.clientOrderId,
      executionTime: new Date(`${req.tradeDate}T20:00:00Z`),
      fromAccountId: req.fromAccountNumber,
      toAccountId: req.toAccountNumber,
      identifier: req.symbol,
      identifierType: 'SYMBOL' as TradeAllocationCreate['identifierType'],
      toSide: req.side as TradeAllocationCreate['toSide'],
      quantity: { value: req.quantity },
      price: { value: req.price },
      sourceApplication: 'zoe-daily-trading',
      ...(req.lots?.length
        ? {
            lotMatchingInstructions: lotMatchingInstructions(req.lots),
          }
        : {}),
    };
    const where = `allocate ${req.clientOrderId}`;
    try {
      const res = await this.call(where, (sdk) =>
        sdk.tradeAllocation.createTradeAllocation(body, req.fromAccountNumber),
      );
      const a = res.tradeAllocation;
      if (!a?.tradeAllocationId)
        throw new CustodianProtocolError(`${where}: no trade allocation in the answer`);
      return { allocationId: a.tradeAllocationId, orderId: a.toActivityId, duplicate: false };
    } catch (e) {
      // Booked by an earlier call whose answer was lost: Apex refuses the repeat (uniqueness on
      // account, client order id and process date). The booked trade carries our client order id.
      if (e instanceof CustodianHttpError && e.code === 'ALREADY_EXISTS')
        return { allocationId: `${req.clientOrderId}@${req.tradeDate}`, duplicate: true };
      throw e;
    }
  }

  /**
   * Ascend's CreateAchWithdrawal. A repeat (same account and client transfer id) is refused by
   * Apex as ALREADY_EXISTS: the existing withdrawal is read back (GetAchWithdrawal) from the
   * name the error's ResourceInfo gives.
   */
  async requestWithdrawal(req: WithdrawalRequest): Promise<WithdrawalResult> {
    const where = `requestWithdrawal ${req.accountNumber} ${req.clientTransferId}`;
    const body = {
      amount: { value: req.amount },
      bankRelationship: req.bankRelationship ?? defaultBankRelationship(req.accountNumber),
      clientTransferId: req.clientTransferId,
      ...(req.memo !== undefined ? { memo: req.memo } : {}),
    };
    try {
      const res = await this.call(where, (sdk) =>
        sdk.achTransfers.createAchWithdrawal(body, req.accountNumber),
      );
      return this.withdrawalResult(res.achWithdrawal, req, where, false);
    } catch (e) {
      if (!(e instanceof CustodianHttpError && e.code === 'ALREADY_EXISTS')) throw e;
      const name = resourceName(e.body);
      const id = withdrawalIdFromName(name, req.accountNumber);
      if (id === undefined)
        throw new CustodianProtocolError(
          `${where}: the custodian says the withdrawal exists but names no ACH withdrawal of the account (${name ?? 'no ResourceInfo'})`,
        );
      const got = await this.call(`getAchWithdrawal ${req.accountNumber} ${id}`, (sdk) =>
        sdk.achTransfers.getAchWithdrawal(req.accountNumber, id),
      );
      return this.withdrawalResult(got.achWithdrawal, req, where, true);
    }
  }

  private withdrawalResult(
    w: AchWithdrawal | undefined,
    req: WithdrawalRequest,
    where: string,
    duplicate: boolean,
  ): WithdrawalResult {
    const id = withdrawalIdFromName(w?.name, req.accountNumber);
    if (!w || id === undefined)
      throw new CustodianProtocolError(
        `${where}: no ACH withdrawal of the account in the answer (${w?.name})`,
      );
    const amount = w.amount?.value;
    if (w.clientTransferId !== req.clientTransferId || !zDecimal.safeParse(amount).success)
      throw new CustodianProtocolError(
        `${where}: malformed ACH withdrawal from custodian (${w.clientTransferId} ${amount})`,
      );
    if (!dec(amount as string).eq(dec(req.amount)))
      throw new CustodianProtocolError(`${where}: withdrawal exists with another amount (${amount})`);
    return { withdrawalId: id, state: String(w.state?.state ?? 'STATE_UNSPECIFIED'), duplicate };
  }

  /** GetOrder by the custodian's order id (not part of the port; handy for tests and ops). */
  async getOrder(accountNumber: string, orderId: string): Promise<CustodianOrder> {
    const where = `getOrder ${accountNumber} ${orderId}`;
    const res = await this.call(where, (sdk) => sdk.orders.getOrder(accountNumber, orderId));
    if (!res.order) throw new CustodianProtocolError(`${where}: no order in the answer`);
    return this.remember(toCustodianOrder(res.order, where));
  }

  async findOrder(accountNumber: string, clientOrderId: string): Promise<CustodianOrder | undefined> {
    const known = this.orderIds.get(clientOrderId);
    if (known) {
      try {
        const o = await this.getOrder(accountNumber, known);
        if (o.clientOrderId === clientOrderId) return o;
      } catch (e) {
        if (!(e instanceof CustodianHttpError && e.status === 404)) throw e;
      }
      this.orderIds.delete(clientOrderId);
    }
    const date = this.opts.orderDateOf?.(clientOrderId);
    if (date) dateParts(date); // refuses anything but YYYY-MM-DD before it goes into the filter
    const filter = date ? `order_date == date('${date}')` : undefined;
    const where = `listAccountOrders ${accountNumber}${filter ? ` ${filter}` : ''}`;
    const tokens = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.call(where, (sdk) =>
        sdk.orders.listAccountOrders(accountNumber, filter, 100, pageToken),
      );
      const list = res.listAccountOrdersResponse;
      const hit = list?.orders?.find((o) => o.clientOrderId === clientOrderId);
      if (hit) return this.remember(toCustodianOrder(hit, where));
      pageToken = list?.nextPageToken || undefined;
      if (!pageToken) return undefined;
      if (tokens.has(pageToken)) throw new CustodianProtocolError(`${where}: page token repeated`);
      tokens.add(pageToken);
    }
    throw new CustodianProtocolError(`${where}: more than ${MAX_PAGES} pages of orders; pass orderDateOf`);
  }

  async cancelOrder(accountNumber: string, orderId: string): Promise<void> {
    const where = `cancelOrder ${accountNumber} ${orderId}`;
    try {
      await this.call(where, (sdk) =>
        sdk.orders.cancelOrder(
          { name: `accounts/${accountNumber}/orders/${orderId}` },
          accountNumber,
          orderId,
        ),
      );
    } catch (e) {
      // Already terminal or already being cancelled: the next poll tells what happened.
      if (e instanceof CustodianHttpError && CANCEL_NOOP.has(e.code)) return;
      throw e;
    }
  }

  /** Simulator only (Apex delivers files by itself): a plain HTTP call, outside the SDK. */
  async requestStartOfDayFiles(processDate: string): Promise<string[]> {
    dateParts(processDate);
    const url = `${this.opts.simulatorURL ?? this.opts.serverURL}/sim/v1/sod-files/${processDate}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: this.opts.simulatorToken ? { authorization: `Bearer ${this.opts.simulatorToken}` } : {},
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let json: { files?: unknown; code?: string; message?: string };
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new CustodianProtocolError(`POST ${url}: answered ${res.status} with non-JSON`);
    }
    if (!res.ok)
      throw new CustodianHttpError(
        res.status,
        json.code ?? 'UNKNOWN',
        `POST ${url}: ${res.status} ${json.message ?? text}`,
      );
    if (!Array.isArray(json.files) || json.files.some((f) => typeof f !== 'string'))
      throw new CustodianProtocolError(`POST ${url}: expected {files: string[]}`);
    return json.files as string[];
  }
}
