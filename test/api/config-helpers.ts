/** The configuration API tests' world: a seeded book, the app (no Temporal), tokens for each role. */
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { buildApiApp } from '../../src/api/server';
import { createAdvisorToken } from '../../src/api/tokens';
import { seedDemoData } from '../../src/demo/seed';
import { type TestDb, createTestDb } from '../support/db';
import type { Answer } from './helpers';

export const DATE = '2026-11-24';

export type Role = 'ops' | 'trader' | 'ben' | 'ana';

export interface ConfigWorld {
  t: TestDb;
  app: ReturnType<typeof buildApiApp>;
  tokens: Record<Role, string>;
  /** Sends a request as `role` (or with no token when undefined). */
  send(role: Role | undefined, method: string, url: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

/** A Temporal client the configuration routes must never use. */
const noTemporal = new Proxy({} as Client, {
  get() {
    throw new Error('the configuration API must not need Temporal');
  },
});

export async function configWorld(opts: { today?: string } = {}): Promise<ConfigWorld> {
  const t = await createTestDb();
  await seedDemoData(t.db, { asOf: DATE });
  const app = buildApiApp({
    db: t.db,
    client: noTemporal,
    today: () => opts.today ?? DATE,
    authFailureLimit: { max: 10_000, windowMs: 60_000 },
    limits: { requestRate: { max: 1_000_000, windowMs: 60_000 } },
    logError: (m, e) => console.error(m, e),
  });
  await app.ready();
  const tokens = {
    ops: (await createAdvisorToken(t.db, { role: 'ops', label: 'desk' })).token,
    trader: (await createAdvisorToken(t.db, { role: 'trader', label: 'desk' })).token,
    ben: (await createAdvisorToken(t.db, { advisorId: 'ADV-BEN', label: 'laptop' })).token,
    ana: (await createAdvisorToken(t.db, { advisorId: 'ADV-ANA', label: 'laptop' })).token,
  };
  return {
    t,
    app,
    tokens,
    async send(role, method, url, body) {
      const headers: Record<string, string> = {};
      if (role) headers.authorization = `Bearer ${tokens[role]}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers,
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      let json: unknown;
      try {
        json = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        json = undefined;
      }
      return {
        status: res.statusCode,
        headers: new Headers(res.headers as Record<string, string>),
        text: res.body,
        json,
      };
    },
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

/** Asserts a 2xx with the detail of the problem when it is not. */
export function ok(a: Answer, status = 200): void {
  assert.equal(a.status, status, `expected ${status}, got ${a.status}: ${a.text}`);
}

/** The last audit row of an entity. */
export async function lastAudit(t: TestDb, entity: string, entityId: string) {
  return t.db('audit_log').where({ entity, entity_id: entityId }).orderBy('id', 'desc').first();
}
