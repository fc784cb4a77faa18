/**
 * The custodian port: everything the trading day needs from the custodian. The simulator's
 * HTTP client implements it; a real Apex adapter implements the same interface.
 * Names follow Apex Ascend (docs/domain.md §3).
 */
import { z } from 'zod';
import { zDecimal } from '../domain/money';

export const ORDER_STATUSES = [
  'PENDING_NEW',
  'NEW',
  'PENDING_QUEUED',
  'QUEUED',
  'PARTIALLY_FILLED',
  'PENDING_CANCEL',
  'FILLED',
  'CANCELED',
  'REJECTED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELED', 'REJECTED']);

/** Reject reasons worth a retry within the window (docs/domain.md §3.3). */
export const TRANSIENT_REJECTS: ReadonlySet<string> = new Set([
  'SYSTEM_ERROR',
  'UNAVAILABLE_PRICE_QUOTE',
  'EXCHANGE_CLOSED',
]);

export const ExecutionSchema = z.object({
  executionId: z.string().min(1),
  quantity: zDecimal,
  price: zDecimal,
  executedTime: z.string().datetime(),
});

export const CustodianOrderSchema = z.object({
  orderId: z.string().min(1),
  clientOrderId: z.string().min(1).max(40),
  accountId: z.string().min(1),
  identifier: z.string().min(1),
  side: z.enum(['BUY', 'SELL']),
  quantity: zDecimal,
  filledQuantity: zDecimal,
  averagePrice: zDecimal.nullable(),
  orderStatus: z.enum(ORDER_STATUSES),
  orderRejectedReason: z.string().nullable(),
  orderDate: z.string(),
  executions: z.array(ExecutionSchema),
});
export type CustodianOrder = z.infer<typeof CustodianOrderSchema>;

export interface CreateOrderRequest {
  clientOrderId: string;
  accountNumber: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  orderDate: string;
}

/** The custodian account block orders execute in when none is configured. */
export const DEFAULT_AVERAGE_PRICE_ACCOUNT = 'ZOEAVG01';

/** One allocation of a block's fill to a client account (Ascend TradeAllocation). */
export interface AllocateRequest {
  /** Idempotency key at the custodian (<= 40 chars); the account's order id in our book. */
  clientOrderId: string;
  fromAccountNumber: string;
  toAccountNumber: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  price: string;
  /** The block's trade date (YYYY-MM-DD). */
  tradeDate: string;
  /**
   * For a SELL: the tax lots to close, in order (Ascend's lotMatchingInstructions), as the engine
   * chose them; the custodian relieves these first, so its cost basis stays the book's.
   */
  lots?: LotToClose[];
}

/** Ascend's lotMatchingInstructions (LotCreate) for the lots a sell closes. */
export function lotMatchingInstructions(lots: LotToClose[]) {
  return lots.map((l) => ({
    id: l.lotId,
    quantity: { value: l.qty },
    price: { value: l.unitCost },
    tradeDate: {
      year: Number(l.openDate.slice(0, 4)),
      month: Number(l.openDate.slice(5, 7)),
      day: Number(l.openDate.slice(8, 10)),
    },
  }));
}

/** One lot a sell closes: the book's lot id, its open (trade) date and unit cost, and the quantity. */
export interface LotToClose {
  lotId: string;
  openDate: string;
  unitCost: string;
  qty: string;
}

export interface AllocateResult {
  allocationId: string;
  /**
   * The booked trade on the client account, as it will appear in the trade file; undefined when
   * the custodian only said the allocation exists already (confirms then pair by client order id).
   */
  orderId?: string;
  /** True when the custodian had booked this allocation already (a retried call). */
  duplicate: boolean;
}

/** An ACH withdrawal from a client account to its bank (Ascend AchWithdrawalCreate). */
export interface WithdrawalRequest {
  accountNumber: string;
  /**
   * Idempotency key at the custodian, unique per account (<= 40 chars): the book's id of the
   * withdrawal it pays. The same request again is answered with the withdrawal already made.
   */
  clientTransferId: string;
  /** Dollars: a positive decimal string, at most 2 decimals. */
  amount: string;
  /** What the customer's bank statement shows. */
  memo?: string;
  /**
   * Ascend's bank relationship to pay (`accounts/{account}/bankRelationships/{id}`); default
   * `defaultBankRelationship(accountNumber)`, which only the simulator accepts.
   */
  bankRelationship?: string;
}

export interface WithdrawalResult {
  /** The custodian's id of the withdrawal: EXT869 carries it in TradeNumber. */
  withdrawalId: string;
  /** Ascend's transfer state (PROCESSING, PENDING_REVIEW, POSTED, COMPLETED, REJECTED, …). */
  state: string;
  /** True when the custodian had made this withdrawal already (a retried call). */
  duplicate: boolean;
}

/** The bank relationship a withdrawal pays when the request names none (the simulator's). */
export function defaultBankRelationship(accountNumber: string): string {
  return `accounts/${accountNumber}/bankRelationships/primary`;
}

/** `accounts/{account}/achWithdrawals/{id}` → id; undefined for anything else. */
export function withdrawalIdFromName(name: string | undefined, accountNumber: string): string | undefined {
  const m = /^accounts\/([^/]+)\/achWithdrawals\/([^/]+)$/.exec(name ?? '');
  return m && m[1] === accountNumber ? m[2] : undefined;
}

export interface CustodianPort {
  /** Books one allocation; the same request again is answered with the booked one. */
  allocate(req: AllocateRequest): Promise<AllocateResult>;
  createOrder(req: CreateOrderRequest): Promise<CustodianOrder>;
  /** The order with this client order id, or undefined when the custodian has none. */
  findOrder(accountNumber: string, clientOrderId: string): Promise<CustodianOrder | undefined>;
  cancelOrder(accountNumber: string, orderId: string): Promise<void>;
  /**
   * Pays an ACH withdrawal out of the account. Idempotent on (account, client transfer id): a
   * repeat answers the withdrawal already made (`duplicate`). A refusal (insufficient funds, bad
   * input) is a CustodianHttpError that `isCustodianRefusal` recognises.
   */
  requestWithdrawal(req: WithdrawalRequest): Promise<WithdrawalResult>;
  /**
   * Makes sure the start-of-day file set for `processDate` is in the drop folder. A real
   * custodian delivers files by itself; the simulator writes them on request.
   */
  requestStartOfDayFiles(processDate: string): Promise<string[]>;
}

/** The custodian answered with an error status (HTTP, or the SDK's mapping of one). */
export class CustodianHttpError extends Error {
  override name = 'CustodianHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The parsed answer, when there was one. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/**
 * The custodian refused the request itself (a 4xx other than 429, e.g. the account does not hold
 * the shares): retrying the same request cannot change the answer. Anything else (5xx, 429, a
 * network error) is transient.
 */
export function isCustodianRefusal(e: unknown): e is CustodianHttpError {
  return e instanceof CustodianHttpError && e.status >= 400 && e.status < 500 && e.status !== 429;
}

/** A custodian answer we refuse to act on; not worth retrying. */
export class CustodianProtocolError extends Error {
  override name = 'CustodianProtocolError';
}
