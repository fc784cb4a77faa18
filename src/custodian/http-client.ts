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
  lotMatchingInstructions,
} from './port';

export { CustodianHttpError };

const AllocationAnswer = z.object({
  tradeAllocationId: z.string(),
  toActivityId: z.string(),
  toAccountId: z.string(),
  toSide: z.enum(['BUY', 'SELL']),
  quantity: z.object({ value: z.string() }),
});

export class HttpCustodian implements CustodianPort {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
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
    let json: unknown;
    let duplicate = false;
    try {
      json = await this.call('POST', path, payload);
    } catch (e) {
      // Booked already (our earlier call got through but its answer did not): the same allocation.
      if (!(e instanceof CustodianHttpError && e.code === 'ALREADY_EXISTS' && e.body)) throw e;
      json = e.body;
      duplicate = true;
    }
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

  async requestStartOfDayFiles(processDate: string): Promise<string[]> {
    const json = (await this.call('POST', `/sim/v1/sod-files/${processDate}`)) as { files?: string[] };
    return json.files ?? [];
  }
}
