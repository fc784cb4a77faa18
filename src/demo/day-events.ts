/**
 * What happens at the simulated custodian on the demo's first trading day, so that `npm start`
 * shows the whole loop of messages (docs/notifications.md), not only the quiet path:
 *
 * - a $400,000 wire into auto account ACC013 (60/40), reported in the morning's EXT869: the sync
 *   posts it, the engine invests it, and its buys are above AUTO_REVIEW_MAX_LEG_USD ($100,000 by
 *   default), so the automatic review flags the proposal and the trading desk gets the
 *   flagged-trade mail (it expires at the cut-off unless a trader approves it);
 * - SGOV halted (LULD) through the day's window: every approved SGOV leg (the 30/70 accounts', e.g.
 *   ACC003 investing its $25,000 deposit) is not filled, its block is cancelled at the close, and
 *   the advisor gets a mail saying what is carried to tomorrow and why.
 *
 * Written to the simulator's tables (sim.cash_activity, sim.halts) by `npm start` and `npm run
 * seed` when they seed a fresh demo (seedDemoData's `dayEvents`); the test stacks seed without
 * them, so the figures the other tests count do not move. Idempotent.
 */
import type { Knex } from 'knex';
import { addCashActivity } from '../custodian/sim/sod';
import { etToUtc } from '../domain/calendar';

export const DEMO_DAY_EVENTS = {
  largeDeposit: { accountId: 'ACC013', amountIn: '400000.00' },
  halt: { symbol: 'SGOV', reason: 'LULD' as const },
} as const;

export interface DemoDayEvents {
  deposit: { accountId: string; accountNumber: string; amountIn: string; processDate: string };
  halt: { symbol: string; until: string };
}

/** Adds the day's events at the simulator for trade date `tradeDate` (the halt lasts past its window). */
export async function addDemoDayEvents(
  db: Knex,
  tradeDate: string,
  now: () => Date = () => new Date(),
): Promise<DemoDayEvents> {
  const { largeDeposit, halt } = DEMO_DAY_EVENTS;
  const account = await db('accounts')
    .where({ id: largeDeposit.accountId })
    .first('custodian_account_number');
  if (!account) throw new Error(`the demo book has no account ${largeDeposit.accountId}`);
  const id = `DEMO-WIRE-${tradeDate}`;
  if (!(await db('sim.cash_activity').where({ id }).first('id'))) {
    await addCashActivity(db, {
      id,
      accountNumber: account.custodian_account_number,
      processDate: tradeDate,
      amountIn: largeDeposit.amountIn,
      kind: 'WIRE',
      description: 'WIRE IN CLIENT TRANSFER',
    });
  }
  // Through the window on the real clock (ends 14:00 ET) and on the demo clock (minutes from now).
  const evening = Date.parse(etToUtc(tradeDate, '20:00'));
  const until = new Date(Math.max(evening, now().getTime() + 2 * 3600_000)).toISOString();
  await db('sim.halts')
    .insert({ symbol: halt.symbol, reason: halt.reason, until })
    .onConflict('symbol')
    .merge();
  return {
    deposit: {
      accountId: largeDeposit.accountId,
      accountNumber: account.custodian_account_number,
      amountIn: largeDeposit.amountIn,
      processDate: tradeDate,
    },
    halt: { symbol: halt.symbol, until },
  };
}
