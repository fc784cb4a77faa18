/** The custodian port over HTTP (the simulator, or any service speaking the same Ascend subset). */
import { z } from 'zod';
import { dec } from '../domain/money';
import {
  type AllocateRequest,
  type AllocateResult,
  type CreateOrderRequest,
  CustodianHttpError,
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

export { CustodianHttpError };

const AllocationAnswer = z.object({
  tradeAllocationId: z.string(),
  toActivityId: z.string(),
  toAccountId: z.string(),
  toSide: z.enum(['BUY', 'SELL']),
  quantity: z.object({ value: z.string() }),
});

/** components.AchWithdrawal, the fields the port reads. */
const WithdrawalAnswer = z.object({
  name: z.string(),
  amount: z.object({ value: z.string() }),
  client_transfer_id: z.string(),
  state: z.object({ state: z.string() }),
});

/** How long the simulator may take to write a process date's file set (see requestStartOfDayFiles). */
export const SOD_FILES_TIMEOUT_MS = 120_000;

export class HttpCustodian implements CustodianPort {
  /** `simToken`: the simulator's own token (its hand-written dialect needs it, src/custodian/sim/guard.ts). */
  constructor(
    private readonly baseUrl: string,
    private readonly simToken: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async call(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.simToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new CustodianProtocolError(`${method} ${path}: custodian answered ${res.status} with non-JSON`);
    }
    if (!res.ok) {
      const err = json as { code?: string; message?: string };
      throw new CustodianHttpError(
        res.status,
        err.code ?? 'UNKNOWN',
        `${method} ${path}: ${res.status} ${err.code ?? ''} ${err.message ?? text}`,
        json,
      );
    }
    return json;
  }

  /**
   * A POST that creates something idempotently (an allocation, a withdrawal): a 409 ALREADY_EXISTS
   * carrying the existing one (our earlier call got through but its answer did not) is that one.
   */
  private async create(path: string, payload: unknown): Promise<{ json: unknown; duplicate: boolean }> {
    try {
      return { json: await this.call('POST', path, payload), duplicate: false };
    } catch (e) {
      if (!(e instanceof CustodianHttpError && e.code === 'ALREADY_EXISTS' && e.body)) throw e;
      return { json: e.body, duplicate: true };
    }
  }

  private order(json: unknown, where: string): CustodianOrder {
    const parsed = CustodianOrderSchema.safeParse(json);
    if (!parsed.success) {
      throw new CustodianProtocolError(
        `${where}: malformed order from custodian: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }

  async createOrder(req: CreateOrderRequest): Promise<CustodianOrder> {
    const path = `/trading/v1/accounts/${encodeURIComponent(req.accountNumber)}/orders`;
    const json = await this.call('POST', path, {
      clientOrderId: req.clientOrderId,
      identifier: req.symbol,
      identifierType: 'SYMBOL',
      side: req.side,
      quantity: req.quantity,
      orderType: 'MARKET',
      timeInForce: 'DAY',
      orderDate: req.orderDate,
    });
    return this.order(json, path);
  }

  async findOrder(accountNumber: string, clientOrderId: string): Promise<CustodianOrder | undefined> {
    const path = `/trading/v1/accounts/${encodeURIComponent(accountNumber)}/orders?clientOrderId=${encodeURIComponent(clientOrderId)}`;
    const json = z.object({ orders: z.array(z.unknown()) }).safeParse(await this.call('GET', path));
    if (!json.success) throw new CustodianProtocolError(`${path}: expected {orders: [...]}`);
    const first = json.data.orders[0];
    return first === undefined ? undefined : this.order(first, path);
  }

  async cancelOrder(accountNumber: string, orderId: string): Promise<void> {
    try {
      await this.call(
        'POST',
        `/trading/v1/accounts/${encodeURIComponent(accountNumber)}/orders/${encodeURIComponent(orderId)}:cancel`,
      );
    } catch (e) {
      // Already terminal: the next poll tells what happened; nothing to retry.
      if (
        e instanceof CustodianHttpError &&
        ['TOO_LATE_TO_CANCEL', 'ORDER_ALREADY_CANCELED'].includes(e.code)
      )
        return;
      throw e;
    }
  }

  async allocate(req: AllocateRequest): Promise<AllocateResult> {
    const path = `/booking/v1/accounts/${encodeURIComponent(req.fromAccountNumber)}/tradeAllocations`;
    const payload = {
      clientOrderId: req.clientOrderId,
      fromAccountId: req.fromAccountNumber,
      toAccountId: req.toAccountNumber,
      identifier: req.symbol,
      identifierType: 'SYMBOL',
      assetType: 'EQUITY',
      brokerCapacity: 'AGENCY',
      toSide: req.side,
      quantity: { value: req.quantity },
      price: { value: req.price },
      // 16:00 New York time on the trade date, in UTC (EST or EDT both land on the same date).
      executionTime: `${req.tradeDate}T20:00:00Z`,
      sourceApplication: 'zoe-daily-trading',
      ...(req.lots?.length
        ? {
            lotMatchingInstructions: lotMatchingInstructions(req.lots),
          }
        : {}),
    };
    const { json, duplicate } = await this.create(path, payload);
    const parsed = AllocationAnswer.safeParse(json);
    if (!parsed.success)
      throw new CustodianProtocolError(
        `${path}: malformed allocation from custodian: ${parsed.error.message}`,
      );
    const a = parsed.data;
    if (
      a.toAccountId !== req.toAccountNumber ||
      a.toSide !== req.side ||
      !dec(a.quantity.value).eq(dec(req.quantity))
    )
      throw new CustodianProtocolError(
        `${path}: allocation ${req.clientOrderId} exists with other terms (${a.toAccountId} ${a.toSide} ${a.quantity.value})`,
      );
    return { allocationId: a.tradeAllocationId, orderId: a.toActivityId, duplicate };
  }

  /** Ascend's CreateAchWithdrawal in its own JSON (snake_case, the amount as `{value}`). */
  async requestWithdrawal(req: WithdrawalRequest): Promise<WithdrawalResult> {
    const path = `/transfers/v1/accounts/${encodeURIComponent(req.accountNumber)}/achWithdrawals`;
    const payload = {
      amount: { value: req.amount },
      bank_relationship: req.bankRelationship ?? defaultBankRelationship(req.accountNumber),
      client_transfer_id: req.clientTransferId,
      ...(req.memo !== undefined ? { memo: req.memo } : {}),
    };
    const { json, duplicate } = await this.create(path, payload);
    const parsed = WithdrawalAnswer.safeParse(json);
    const id = parsed.success ? withdrawalIdFromName(parsed.data.name, req.accountNumber) : undefined;
    if (!parsed.success || id === undefined)
      throw new CustodianProtocolError(
        `${path}: malformed ACH withdrawal from custodian: ${parsed.success ? `name ${parsed.data.name}` : parsed.error.message}`,
      );
    const w = parsed.data;
    if (w.client_transfer_id !== req.clientTransferId || !dec(w.amount.value).eq(dec(req.amount)))
      throw new CustodianProtocolError(
        `${path}: withdrawal ${req.clientTransferId} exists with other terms (${w.client_transfer_id} ${w.amount.value})`,
      );
    return { withdrawalId: id, state: w.state.state, duplicate };
  }

  /**
   * The simulator writes the whole file set before it answers, which takes longer than an order
   * call as the book grows (tens of seconds at 10,000 accounts): this call waits up to
   * SOD_FILES_TIMEOUT_MS, inside the activity's own timeout, instead of failing the first attempt.
   */
  async requestStartOfDayFiles(processDate: string): Promise<string[]> {
    const path = `/sim/v1/sod-files/${processDate}`;
    const json = (await this.call('POST', path, undefined, SOD_FILES_TIMEOUT_MS)) as { files?: string[] };
    return json.files ?? [];
  }
}
