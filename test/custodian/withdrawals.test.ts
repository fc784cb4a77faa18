/**
 * ACH withdrawals at the simulated custodian with Ascend's names (CreateAchWithdrawal,
 * GetAchWithdrawal), through the port's two clients (the official SDK's and the hand-written one):
 * the cash leaves at once, the next morning's EXT869 reports it with the withdrawal id in
 * TradeNumber, a repeat is a duplicate, insufficient funds and bad input are refusals.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Apexascend } from '@apexfintechsolutions/ascend-sdk';
import { AscendCustodian } from '../../src/custodian/ascend-client';
import type { Ext869Row, Ext981Row, FileCode } from '../../src/custodian/files';
import { CustodianHttpError, HttpCustodian } from '../../src/custodian/http-client';
import { type CustodianPort, isCustodianRefusal } from '../../src/custodian/port';
import { writeStartOfDayFiles } from '../../src/custodian/sim/files';
import { type RunningSim, startSimServer } from '../../src/custodian/sim/server';
import { type TestDb, createTestDb } from '../support/db';
import { fileRows } from './sim-support';

const A1 = '5ZO00001';
const A2 = '5ZO00002';
const A3 = '5ZO00003';
const API_KEY = 'sim-test-api-key-withdrawals';
const SERVICE_ACCOUNT = 'zoe-trading';
const ORG = 'correspondents/01HZOE00000000000000000000';
// Tuesday 2026-11-24, 10:00 in New York: a withdrawal now is reported on the morning of the 25th.
const NOW = new Date('2026-11-24T15:00:00Z');

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

describe('ACH withdrawals at the simulated custodian', () => {
  let t: TestDb;
  let sim: RunningSim;
  let dropDir: string;
  let sdkClient: AscendCustodian;
  let httpClient: HttpCustodian;

  const sdk = () =>
    new Apexascend({
      serverURL: sim.url,
      security: {
        apiKey: API_KEY,
        serviceAccountCreds: {
          privateKey: keys.privateKey,
          name: SERVICE_ACCOUNT,
          organization: ORG,
          type: 'serviceAccount',
        },
      },
      retryConfig: { strategy: 'none' },
    });
  const cash = async (account: string) =>
    ((await t.db('sim.accounts').where({ account_number: account }).first()) as { cash: string }).cash;
  const rowsOf = <C extends FileCode>(code: C, date: string, dir = dropDir) => fileRows(dir, code, date);
  const withdrawalRows = async () => Number((await t.db('sim.ach_withdrawals').count({ n: '*' }))[0]?.n);
  /** A refusal the port's callers must not retry, with this status, reason and message. */
  const refused = (status: number, code: string, message: RegExp) => (e: unknown) => {
    assert.ok(e instanceof CustodianHttpError, String(e));
    assert.equal(e.status, status, e.message);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    assert.ok(isCustodianRefusal(e));
    return true;
  };

  before(async () => {
    t = await createTestDb();
    dropDir = mkdtempSync(path.join(os.tmpdir(), 'zoe-withdrawals-'));
    await t.db('sim.accounts').insert([
      { account_number: A1, cash: '10000.00' },
      { account_number: A2, cash: '100.00' },
      { account_number: A3, cash: '800.00' },
    ]);
    sim = await startSimServer({
      db: t.db,
      port: 0,
      dropDir,
      correspondent: 'ZOE',
      fillModel: { seed: 'withdrawals', partialFillRate: 0, rejectRate: 0 },
      auth: {
        apiKey: API_KEY,
        serviceAccounts: [{ name: SERVICE_ACCOUNT, organization: ORG, publicKeyPem: keys.publicKey }],
      },
      clock: () => NOW,
      authClock: () => new Date(),
    });
    sdkClient = new AscendCustodian({
      serverURL: sim.url,
      apiKey: API_KEY,
      serviceAccount: { name: SERVICE_ACCOUNT, organization: ORG, privateKeyPem: keys.privateKey },
    });
    httpClient = new HttpCustodian(sim.url, sim.token);
  });

  after(async () => {
    await sim?.close();
    await t?.drop();
    rmSync(dropDir, { recursive: true, force: true });
  });

  it('through the official SDK client: the cash leaves at once, a repeat is the same withdrawal', async () => {
    const req = {
      accountNumber: A1,
      clientTransferId: 'CF-ACC001-WD',
      amount: '2500.00',
      memo: 'to checking',
    };
    const first = await sdkClient.requestWithdrawal(req);
    assert.equal(first.duplicate, false);
    assert.equal(first.state, 'POSTED');
    assert.match(first.withdrawalId, /^ACHW-[0-9A-F]{16}$/);
    assert.equal(await cash(A1), '7500.00');

    const again = await sdkClient.requestWithdrawal(req);
    assert.deepEqual(again, { ...first, duplicate: true });
    assert.equal(await cash(A1), '7500.00', 'paid once');
    assert.equal(await withdrawalRows(), 1);

    // The SDK's own model, as the simulator serves it.
    const got = (await sdk().achTransfers.getAchWithdrawal(A1, first.withdrawalId)).achWithdrawal;
    assert.equal(got?.name, `accounts/${A1}/achWithdrawals/${first.withdrawalId}`);
    assert.equal(got?.amount?.value, '2500.00');
    assert.equal(got?.clientTransferId, 'CF-ACC001-WD');
    assert.equal(got?.memo, 'to checking');
    assert.equal(got?.bankRelationship, `accounts/${A1}/bankRelationships/primary`);
    assert.equal(got?.state?.state, 'POSTED');
    assert.ok(got?.state?.updateTime instanceof Date);
    // The raw repeat: a google.rpc Status ALREADY_EXISTS (6) whose ResourceInfo names it.
    await assert.rejects(
      sdk().achTransfers.createAchWithdrawal(
        {
          amount: { value: '2500.00' },
          bankRelationship: `accounts/${A1}/bankRelationships/primary`,
          clientTransferId: 'CF-ACC001-WD',
        },
        A1,
      ),
      (e: Error & { httpMeta?: { response: Response; body: string }; code?: number }) => {
        assert.equal(e.httpMeta?.response.status, 409);
        assert.equal(e.code, 6);
        const body = JSON.parse(e.httpMeta?.body ?? '{}') as { details: { resource_name?: string }[] };
        assert.ok(body.details.some((d) => d.resource_name === got?.name));
        return true;
      },
    );
    await assert.rejects(
      sdk().achTransfers.getAchWithdrawal(A1, 'ACHW-NOPE'),
      (e: Error & { httpMeta?: { response: Response } }) => e.httpMeta?.response.status === 404,
    );
  });

  it("the next morning's EXT869 reports it with the withdrawal id; the morning before is unchanged", async () => {
    const id = (
      await sdkClient.requestWithdrawal({
        accountNumber: A1,
        clientTransferId: 'CF-ACC001-WD',
        amount: '2500',
      })
    ).withdrawalId;
    // The morning of the 24th, asked after the withdrawal, still shows the cash before it.
    const other = mkdtempSync(path.join(os.tmpdir(), 'zoe-withdrawals-24-'));
    try {
      await writeStartOfDayFiles(t.db, sim.sim, '2026-11-24', { dropDir: other, correspondent: 'ZOE' });
      assert.deepEqual(rowsOf('EXT869', '2026-11-24', other), []);
      const b = rowsOf('EXT981', '2026-11-24', other).find((r) => r.accountNumber === A1) as Ext981Row;
      assert.equal(b.cashTradeBalance, '10000.00');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }

    await writeStartOfDayFiles(t.db, sim.sim, '2026-11-25', { dropDir, correspondent: 'ZOE' });
    const lines = rowsOf('EXT869', '2026-11-25') as Ext869Row[];
    assert.equal(lines.length, 1);
    const [line] = lines as [Ext869Row];
    assert.deepEqual(
      [line.accountNumber, line.amount, line.amountIn, line.payTypeCode, line.batchCode, line.enteredBy],
      [A1, '2500.00', '-2500.00', 'D', '9D', 'ACH'],
    );
    assert.deepEqual(
      [line.description, line.tradeNumber, line.cusip, line.tradeDate],
      ['ACH WITHDRAWAL', id, null, null],
    );
    const b = rowsOf('EXT981', '2026-11-25').find((x) => x.accountNumber === A1) as Ext981Row;
    assert.deepEqual([b.cashTradeBalance, b.cashSettleBalance], ['7500.00', '7500.00']);
    // Reported: the withdrawal is complete.
    const got = (await sdk().achTransfers.getAchWithdrawal(A1, id)).achWithdrawal;
    assert.equal(got?.state?.state, 'COMPLETED');
  });

  it('through the hand-written client: the same route and rules', async () => {
    const req = { accountNumber: A3, clientTransferId: 'CF-ACC003-WD', amount: '300.00' };
    const first = await httpClient.requestWithdrawal(req);
    assert.equal(first.duplicate, false);
    assert.equal(await cash(A3), '500.00');
    // The morning of the 25th is built already (previous test): reported on the next one, the 27th
    // (Thanksgiving on the 26th).
    const row = await t.db('sim.ach_withdrawals').where({ withdrawal_id: first.withdrawalId }).first();
    assert.equal(row.process_date, '2026-11-27');
    assert.deepEqual(await httpClient.requestWithdrawal(req), { ...first, duplicate: true });
    // The SDK client sees the same withdrawal.
    assert.deepEqual(await sdkClient.requestWithdrawal(req), { ...first, duplicate: true });
    assert.equal(await cash(A3), '500.00');
    await assert.rejects(
      httpClient.requestWithdrawal({ ...req, amount: '300.01' }),
      refused(
        400,
        'INVALID_ARGUMENT',
        /client_transfer_id: CF-ACC003-WD was already used by withdrawal .* of 300\.00/,
      ),
    );
    await assert.rejects(
      sdkClient.requestWithdrawal({ ...req, amount: '299' }),
      refused(400, 'INVALID_ARGUMENT', /client_transfer_id: CF-ACC003-WD was already used/),
    );
    assert.equal(await cash(A3), '500.00');
  });

  it('insufficient funds: a FAILED_PRECONDITION refusal through both clients; nothing moves', async () => {
    for (const c of [sdkClient, httpClient] as CustodianPort[])
      await assert.rejects(
        c.requestWithdrawal({ accountNumber: A2, clientTransferId: 'CF-ACC002-WD', amount: '100.01' }),
        refused(400, 'INSUFFICIENT_FUNDS', /account 5ZO00002 holds 100\.00 in cash, cannot withdraw 100\.01/),
      );
    await assert.rejects(
      sdk().achTransfers.createAchWithdrawal(
        {
          amount: { value: '100.01' },
          bankRelationship: `accounts/${A2}/bankRelationships/primary`,
          clientTransferId: 'CF-ACC002-WD',
        },
        A2,
      ),
      (e: Error & { httpMeta?: { response: Response }; code?: number }) =>
        e.httpMeta?.response.status === 400 && e.code === 9,
    );
    assert.equal(await cash(A2), '100.00');
    assert.equal(await t.db('sim.ach_withdrawals').where({ account_number: A2 }).first(), undefined);
    assert.equal(await t.db('sim.cash_activity').where({ account_number: A2 }).first(), undefined);
    // All of it is fine.
    const all = await httpClient.requestWithdrawal({
      accountNumber: A2,
      clientTransferId: 'CF-ACC002-WD',
      amount: '100',
    });
    assert.equal(all.duplicate, false);
    assert.equal(await cash(A2), '0.00');
  });

  it('bad input is refused 400 INVALID_ARGUMENT naming the field; an unknown account 404', async () => {
    const base = { accountNumber: A1, clientTransferId: 'CF-BAD' };
    const cases: [Parameters<CustodianPort['requestWithdrawal']>[0], RegExp][] = [
      [
        { ...base, amount: '12.345' },
        /amount\.value: must be a positive amount in dollars, at most 2 decimals/,
      ],
      [{ ...base, amount: '0.00' }, /amount\.value: must be greater than zero/],
      [{ ...base, amount: '-5' }, /amount\.value: must be a positive amount/],
      [
        { ...base, amount: '5', clientTransferId: 'X'.repeat(41) },
        /client_transfer_id: must be at most 40 characters/,
      ],
      [
        { ...base, amount: '5', bankRelationship: `accounts/${A2}/bankRelationships/primary` },
        /bank_relationship: accounts\/5ZO00002\/bankRelationships\/primary belongs to account 5ZO00002, not 5ZO00001/,
      ],
      [
        { ...base, amount: '5', bankRelationship: 'my checking' },
        /bank_relationship: must be a bank relationship name/,
      ],
    ];
    for (const c of [sdkClient, httpClient] as CustodianPort[])
      for (const [req, re] of cases)
        await assert.rejects(c.requestWithdrawal(req), refused(400, 'INVALID_ARGUMENT', re));
    for (const c of [sdkClient, httpClient] as CustodianPort[])
      await assert.rejects(
        c.requestWithdrawal({ accountNumber: 'NOSUCH01', clientTransferId: 'CF-X', amount: '1' }),
        refused(404, 'NOT_FOUND', /account NOSUCH01 does not exist/),
      );
    // What the SDK's model allows but the simulator does not play.
    const raw = async (b: unknown) => {
      const res = await fetch(`${sim.url}/transfers/v1/accounts/${A1}/achWithdrawals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${sim.token}` },
        body: JSON.stringify(b),
      });
      return { status: res.status, json: (await res.json()) as { code: string; message: string } };
    };
    const full = await raw({
      bank_relationship: `accounts/${A1}/bankRelationships/primary`,
      client_transfer_id: 'CF-FULL',
      full_disbursement: true,
    });
    assert.equal(full.status, 400);
    assert.match(
      full.json.message,
      /amount: is required: the amount to withdraw; full_disbursement: full disbursements are not simulated/,
    );
    const missing = await raw({ amount: { value: '1' } });
    assert.equal(missing.status, 400);
    assert.match(missing.json.message, /bank_relationship: Required; client_transfer_id: Required/);
    assert.equal(await cash(A1), '7500.00', 'nothing moved');
  });

  it('an answer lost on the way (injected fault) is transient; the retry finds the withdrawal made', async () => {
    sim.setFaults({ dropResponseRate: 1 });
    const req = { accountNumber: A1, clientTransferId: 'CF-ACC001-WD2', amount: '1000.00' };
    try {
      await assert.rejects(httpClient.requestWithdrawal(req), (e: unknown) => {
        assert.ok(e instanceof CustodianHttpError);
        assert.equal(e.status, 503);
        assert.ok(!isCustodianRefusal(e), 'worth a retry');
        return true;
      });
    } finally {
      sim.setFaults({ dropResponseRate: 0 });
    }
    assert.equal(await cash(A1), '6500.00', 'the withdrawal was made');
    const retried = await sdkClient.requestWithdrawal(req);
    assert.equal(retried.duplicate, true);
    assert.equal(await cash(A1), '6500.00');
  });
});
