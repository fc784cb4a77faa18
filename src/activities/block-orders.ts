/**
 * A block's street-side orders from the average-price account: sent (attempt 1 the whole
 * statement, later attempts what is left unfilled), polled and cancelled. Idempotent: the
 * custodian is asked for a client order id before anything is created, so a retried activity never
 * sends an order twice; nothing is sent after the window's last send time.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { OrderStatusView } from '../contracts';
import {
  type CustodianOrder,
  DEFAULT_AVERAGE_PRICE_ACCOUNT,
  type OrderStatus,
  TERMINAL_STATUSES,
} from '../custodian/port';
import { ZERO, dec, qtyStr } from '../domain/money';
import { writeAudit } from './audit';
import { BLOCK_TABLES, type BlockOrderRow, blockRow } from './block-rows';
import { applyCustodianOrder, view } from './custodian-orders';
import type { ActivityDeps } from './deps';
import { blockOrderIdFor } from './ids';

export function blockOrderActivities(deps: ActivityDeps) {
  const { db, custodian } = deps;
  const avgAccount = deps.averagePriceAccount ?? DEFAULT_AVERAGE_PRICE_ACCOUNT;
  const applyBlockOrder = (o: CustodianOrder) => applyCustodianOrder<BlockOrderRow>(db, o, BLOCK_TABLES);

  return {
    /**
     * Attempt 1: the block's whole statement. Later attempts: what is left unfilled. Idempotent:
     * the custodian is asked for the client order id before anything is created. Undefined when
     * nothing is left to send.
     */
    async submitBlockOrder(input: {
      blockId: string;
      attempt: number;
      /** The window's close: an order not at the custodian yet is not sent after it. */
      notAfter?: string;
    }): Promise<OrderStatusView | undefined> {
      const b = await blockRow(db, input.blockId);
      const id = blockOrderIdFor(b.id, input.attempt);
      // Server time of this attempt (a retry after a worker died may come after the close).
      const late =
        input.notAfter !== undefined &&
        Context.current().info.currentAttemptScheduledTimestampMs >= Date.parse(input.notAfter);
      let row: BlockOrderRow | undefined = await db('block_orders').where({ client_order_id: id }).first();
      if (!row) {
        const prior: BlockOrderRow[] = await db('block_orders')
          .where({ block_id: b.id })
          .where('attempt', '<', input.attempt);
        const filled = prior.reduce((a, o) => a.plus(dec(o.filled_qty)), ZERO);
        const qty = dec(b.requested_qty).minus(filled);
        if (!qty.gt(0)) return undefined;
        if (late) {
          await writeAudit(db, {
            actor: 'system',
            action: 'BLOCK_ORDER_NOT_SENT',
            entity: 'block',
            entityId: b.id,
            details: { attempt: input.attempt, reason: 'the window closed before it could be sent' },
            idempotencyKey: `block-not-sent:${id}`,
          });
          return undefined;
        }
        await db('block_orders')
          .insert({
            client_order_id: id,
            block_id: b.id,
            attempt: input.attempt,
            qty: qtyStr(qty),
            status: 'PENDING_NEW',
          })
          .onConflict('client_order_id')
          .ignore();
        row = (await db('block_orders').where({ client_order_id: id }).first()) as BlockOrderRow;
        await db('blocks').where({ id: b.id }).update({ status: 'WORKING', updated_at: db.fn.now() });
      }
      if (row.custodian_order_id && TERMINAL_STATUSES.has(row.status as OrderStatus)) return view(row);
      const known = await custodian.findOrder(avgAccount, id);
      if (!known && late) {
        // Recorded before a crash but never sent, and now the window is closed: it ends here.
        const [ended] = await db('block_orders')
          .where({ client_order_id: id })
          .update({ status: 'REJECTED', reject_reason: 'WINDOW_CLOSED_NOT_SENT', updated_at: db.fn.now() })
          .returning('*');
        return view(ended as BlockOrderRow);
      }
      const order =
        known ??
        (await custodian.createOrder({
          clientOrderId: id,
          accountNumber: avgAccount,
          symbol: b.symbol,
          side: b.side,
          quantity: row.qty,
          orderDate: b.trade_date,
        }));
      return view(await applyBlockOrder(order));
    },

    async pollBlockOrders(input: { clientOrderIds: string[] }): Promise<OrderStatusView[]> {
      const out: OrderStatusView[] = [];
      for (const id of input.clientOrderIds) {
        const row: BlockOrderRow | undefined = await db('block_orders')
          .where({ client_order_id: id })
          .first();
        if (!row) throw ApplicationFailure.nonRetryable(`block order ${id} not found`, 'NotFound');
        const o = await custodian.findOrder(avgAccount, id);
        out.push(view(o ? await applyBlockOrder(o) : row));
      }
      return out;
    },

    async cancelBlockOrders(input: { clientOrderIds: string[]; reason: string }): Promise<void> {
      for (const id of input.clientOrderIds) {
        const row: BlockOrderRow | undefined = await db('block_orders')
          .where({ client_order_id: id })
          .first();
        if (!row?.custodian_order_id || TERMINAL_STATUSES.has(row.status as OrderStatus)) continue;
        // TOO_LATE_TO_CANCEL and ORDER_ALREADY_CANCELED are answered by the next poll, not errors.
        await custodian.cancelOrder(avgAccount, row.custodian_order_id);
        log.info('block order cancel requested', { clientOrderId: id, reason: input.reason });
      }
    },
  };
}
