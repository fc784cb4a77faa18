/**
 * Helpers of the simulator tests: a morning file read back with its parser, a simulator-only POST,
 * a simulator seeded with holdings, the files of a morning as the corporate action tests read them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import {
  type FileCode,
  type RowOf,
  fileName,
  formatFileError,
  parseCustodianFile,
} from '../../src/custodian/files';
import { writeStartOfDayFiles } from '../../src/custodian/sim/files';
import type { SimCustodian } from '../../src/custodian/sim/state';

/** The rows of a morning file in `dir`, read by its parser; fails the test on any file error. */
export function fileRows<C extends FileCode>(dir: string, code: C, date: string): RowOf<C>[] {
  const name = fileName(code, date, 'ZOE');
  const res = parseCustodianFile(code, readFileSync(path.join(dir, name)), name);
  if (!res.ok) assert.fail(res.errors.map(formatFileError).join('\n'));
  return res.rows as RowOf<C>[];
}

/** A JSON POST to the simulator with its token, answered with its status and JSON body. */
export async function simPost(
  sim: { url: string; token: string },
  route: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sim.token}` },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** What a simulator test starts from: securities, closes by date, accounts' cash, holdings. */
export interface SimSeed {
  securities: { symbol: string; cusip: string; description: string; fractionable: boolean }[];
  closes: Record<string, Record<string, string>>;
  cash: Record<string, string>;
  positions: [account: string, symbol: string, qty: string][];
  lots: [id: string, account: string, symbol: string, open: string, qty: string, cost: string][];
}

export async function seedSim(db: Knex, seed: SimSeed): Promise<void> {
  await db('sim.securities').insert(seed.securities);
  for (const [symbol, byDate] of Object.entries(seed.closes))
    for (const [date, close] of Object.entries(byDate))
      await db('sim.prices').insert({ symbol, date, close });
  await db('sim.accounts').insert(
    Object.entries(seed.cash).map(([account_number, cash]) => ({ account_number, cash })),
  );
  await db('sim.positions').insert(
    seed.positions.map(([account_number, symbol, qty]) => ({ account_number, symbol, qty })),
  );
  await db('sim.lots').insert(
    seed.lots.map(([lot_id, account_number, symbol, open_date, qty, unit_cost]) => ({
      lot_id,
      account_number,
      symbol,
      open_date,
      qty,
      unit_cost,
    })),
  );
}

/** One account's view of a morning's files in `dir`, as the corporate action tests compare them. */
export function morningView(dir: string) {
  return {
    /** EXT871: [symbol, CUSIP, trade quantity, settled quantity, closing price]. */
    positions: (account: string, date: string) =>
      fileRows(dir, 'EXT871', date)
        .filter((r) => r.accountNumber === account)
        .map((r) => [r.symbol, r.cusip, r.tradeQuantity, r.settleQuantity, r.closingPrice]),
    /** EXT_TAXLOT: [symbol, lot id, open date, quantity, unit cost, total cost]. */
    lots: (account: string, date: string) =>
      fileRows(dir, 'EXT_TAXLOT', date)
        .filter((r) => r.accountNumber === account)
        .map((r) => [r.symbol, r.lotId, r.openTradeDate, r.quantity, r.unitCost, r.totalCost]),
    /** EXT981: [trade-date cash, settled cash, market value, total equity]. */
    balance: (account: string, date: string) => {
      const b = fileRows(dir, 'EXT981', date).find((r) => r.accountNumber === account);
      assert.ok(b, `${account} in EXT981 of ${date}`);
      return [b.cashTradeBalance, b.cashSettleBalance, b.positionMarketValue, b.totalEquity];
    },
    /** EXT869: [account, description, amount in, batch code, CUSIP, trade date]. */
    cashLines: (date: string) =>
      fileRows(dir, 'EXT869', date).map((r) => [
        r.accountNumber,
        r.description,
        r.amountIn,
        r.batchCode,
        r.cusip,
        r.tradeDate,
      ]),
  };
}

/** Writes the morning files of `dates` again into a new folder: each must be what `dir` has. */
export async function assertSameFilesAgain(
  db: Knex,
  sim: SimCustodian,
  dir: string,
  dates: readonly string[],
): Promise<void> {
  const other = mkdtempSync(path.join(os.tmpdir(), 'zoe-sim-again-'));
  try {
    for (const date of dates) {
      const names = await writeStartOfDayFiles(db, sim, date, { dropDir: other, correspondent: 'ZOE' });
      assert.equal(names.length, 7);
      for (const n of names)
        assert.equal(
          readFileSync(path.join(other, n), 'utf8'),
          readFileSync(path.join(dir, n), 'utf8'),
          `${n} as it was delivered`,
        );
    }
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
}
