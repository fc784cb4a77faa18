/**
 * Fuzzing the advisor API (issue #6): FUZZ_RUNS requests (10,000 by default) generated from the
 * served OpenAPI document (/openapi.json). For each operation the generator builds valid and
 * invalid paths, query strings, headers and bodies — wrong types, missing and extra fields,
 * huge strings, unicode, invalid JSON, wrong content types, bad, revoked and absent tokens —
 * and sends them with Fastify's `inject` (no network). Every answer must be:
 * - never a 5xx, never a crash;
 * - a 2xx only for a request without faults, with a body matching the route's response schema;
 * - otherwise a 4xx application/problem+json whose `where` names the offending part of the
 *   request (`path.proposalId`, `query.limit`, `body.note`, `header.authorization`…), one that
 *   the request actually has (or that the operation requires), with the status a fault of that
 *   part may give.
 * The workflow side is a stub client (decisions succeed; a day other than today does not exist).
 * Deterministic: FUZZ_SEED (printed) picks the requests; `npm run fuzz` runs 100,000.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import fc from 'fast-check';
import type { z } from 'zod';
import { ROUTES } from '../../src/api/routes';
import { buildApiApp } from '../../src/api/server';
import { createAdvisorToken, revokeToken } from '../../src/api/tokens';
import { seedDemoData } from '../../src/demo/seed';
import { findUnstorable } from '../../src/domain/text';
import { insertProposal } from '../api/helpers';
import { type TestDb, createTestDb } from '../support/db';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_006);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 8;
const DATE = '2026-11-24';
console.log(`[fuzz:api] seed ${SEED}, ${RUNS} requests (set FUZZ_SEED / FUZZ_RUNS to change)`);

/* ------------------------------------------------------------------ the OpenAPI document */

interface JsonSchema {
  type?: string;
  items?: JsonSchema;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  $ref?: string;
  nullable?: boolean;
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  operationId: string;
  params: Parameter[];
  body?: { required: boolean; schema: JsonSchema };
  secured: boolean;
  /** A route of the book's configuration (issue #13): refusals depend on the book as well. */
  config: boolean;
}

/** The configuration API's tags (src/api/openapi.ts). */
const CONFIG_TAGS = new Set([
  'models',
  'account settings',
  'households',
  'restrictions',
  'securities',
  'firm',
]);

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked by hand
type Doc = any;

function operationsOf(doc: Doc): Operation[] {
  const deref = (s: JsonSchema): JsonSchema => {
    if (s.$ref) return deref(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]);
    const out: JsonSchema = { ...s };
    if (s.items) out.items = deref(s.items);
    if (s.properties)
      out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, deref(v)]));
    return out;
  };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, Doc>>(doc.paths)) {
    for (const [method, op] of Object.entries<Doc>(item)) {
      const content = op.requestBody?.content?.['application/json'];
      const schema = content ? deref(content.schema) : undefined;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        params: (op.parameters ?? []).map((p: Parameter) => ({ ...p, schema: deref(p.schema) })),
        body: schema
          ? {
              required: op.requestBody.required === true,
              schema: {
                ...schema,
                properties: Object.fromEntries(
                  Object.entries(schema.properties ?? {}).map(([k, v]) => [k, deref(v)]),
                ),
              },
            }
          : undefined,
        secured: Array.isArray(op.security) && op.security.length > 0,
        config: (op.tags ?? []).some((t: string) => CONFIG_TAGS.has(t)),
      });
    }
  }
  return ops;
}

/* ------------------------------------------------------------------ requests and faults */

/** What a fault of the request may be answered with: statuses and where (exact, or `prefix.*`). */
interface Fault {
  what: string;
  statuses: number[];
  where: string[];
}

interface Req {
  op: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  remoteAddress: string;
  faults: Fault[];
  /** Every part the request has, as a `where` could name it. */
  parts: Set<string>;
}

interface World {
  tokens: { advisor: string; otherAdvisor: string; ops: string; trader: string; revoked: string };
  advisorId: string;
  otherAdvisorId: string;
  /** Proposals the advisor token may decide (own, manual, pending) and others. */
  ownProposals: string[];
  otherProposals: string[];
  autoProposals: string[];
  ownAccounts: string[];
  otherAccounts: string[];
  models: string[];
  households: string[];
  symbols: string[];
}

const fault = (what: string, statuses: number[], ...where: string[]): Fault => ({ what, statuses, where });

const arbUnicode = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.constantFrom('é', '日本', '😀', '\u0000', '\ud800', '\u202e', '\ufeff', '../..', '%', '%00', ' ', '💥x'),
);
const arbHuge = fc
  .integer({ min: 201, max: 20_000 })
  .chain((n) => fc.constantFrom('a', '9', 'é', '😀', ' ').map((ch) => ch.repeat(n)));
const arbNotInt = fc.constantFrom(
  'abc',
  '-1',
  '1.5',
  '1e3',
  '',
  ' ',
  '0x10',
  '9999999',
  '٣',
  'NaN',
  '+5',
  '1 ',
);
const arbBadDate = fc.constantFrom(
  '2026-02-30',
  '20261124',
  '2026-13-01',
  'today',
  '',
  '2026-11-24T00:00:00Z',
  '0000-00-00',
  '2026-1-1',
);
const arbExtraKey = fc.oneof(
  fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,15}$/),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'prototype',
    'advisorId',
    'é',
    'a.b',
  ),
);
const arbJsonValueWrong = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, '1', 1.5, -1, 0, 1e308, 'x', [1], { a: 1 }),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

function genValidString(name: string, s: JsonSchema, w: World): fc.Arbitrary<string> {
  if (s.enum?.length) return fc.constantFrom(...(s.enum as string[]));
  if (
    s.format === 'date' ||
    s.pattern === DATE_PATTERN ||
    /^(date|from|to|startsOn|endsOn|activeOn|effectiveDate)$/.test(name)
  ) {
    return fc.constantFrom(DATE, DATE, '2026-11-23', '2026-11-20', '2026-12-01');
  }
  if (name === 'proposalId') {
    return fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...w.ownProposals, ...w.autoProposals) },
      { weight: 2, arbitrary: fc.constantFrom(...w.otherProposals) },
      { weight: 1, arbitrary: fc.stringMatching(/^P\d{8}-[A-Za-z0-9_-]{1,30}$/) },
    );
  }
  if (name === 'accountId') {
    return fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...w.ownAccounts) },
      { weight: 2, arbitrary: fc.constantFrom(...w.otherAccounts) },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/) },
    );
  }
  if (name === 'advisorId') return fc.constantFrom(w.advisorId, w.advisorId, w.otherAdvisorId, 'ADV-NOBODY');
  if (name === 'modelId') return fc.constantFrom(...w.models, 'MNOPE');
  if (name === 'householdId') return fc.constantFrom(...w.households, 'HHNOPE');
  if (name === 'symbol' || name === 'primary') return fc.constantFrom(...w.symbols, 'NOPE');
  if (s.type === 'integer') {
    const lo = s.minimum ?? 0;
    const hi = Math.min(s.maximum ?? 1000, lo + 1000);
    return fc.integer({ min: lo, max: hi }).map(String);
  }
  // '.' and '..' are valid strings (and match many id patterns), but a URL path resolves them away.
  const notDots = (v: string) => v !== '.' && v !== '..';
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(notDots);
  return fc
    .string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 20, 20) })
    .filter(notDots);
}

/** A wrong value for a parameter (a string, in a path or a query). */
function genBadParam(name: string, s: JsonSchema): fc.Arbitrary<string> {
  const opts: fc.Arbitrary<string>[] = [arbUnicode];
  if (s.type === 'integer') {
    opts.push(arbNotInt, fc.constant(String((s.maximum ?? 1000) + 1)));
    if ((s.minimum ?? 0) > 0) opts.push(fc.constant(String((s.minimum ?? 0) - 1)));
  } else if (s.format === 'date' || name === 'date' || name === 'from' || name === 'to') {
    opts.push(arbBadDate);
  } else if (s.pattern) {
    const re = new RegExp(s.pattern);
    opts.push(fc.string({ maxLength: 40 }).filter((v) => !re.test(v)));
    opts.push(fc.constantFrom('P2026-ACC', 'ACC 002', 'acc002/..', '-', "'; drop table proposals;--"));
  }
  // A value a schema could accept by accident (an id that happens to match) is not a fault.
  return fc.oneof(...opts).filter((v) => {
    if (s.pattern && new RegExp(s.pattern).test(v)) return false;
    return true;
  });
}

/** A value for a body field from its schema (enums, booleans, arrays, objects, patterns; nested). */
function genValue(name: string, p: JsonSchema, w: World, depth = 0): fc.Arbitrary<unknown> {
  if (p.type === 'integer' || p.type === 'number') return fc.constant(1);
  if (p.type === 'boolean') return fc.boolean();
  if (name === 'amount') return fc.constantFrom('0.01', '250', '15000.00');
  if (p.type === 'array') {
    const item = p.items ?? {};
    const single = name.endsWith('s') ? name.slice(0, -1) : name;
    return fc.array(
      genValue(
        /members|alternates|esgExcluded/i.test(name) ? guessItemName(name) : single,
        item,
        w,
        depth + 1,
      ),
      {
        minLength: 1,
        maxLength: 3,
      },
    );
  }
  if (p.type === 'object' || p.properties) {
    if (depth > 3 || !p.properties) return fc.constant({});
    return genObject(p, w, depth + 1, []);
  }
  if (p.enum?.length || p.pattern || p.format === 'date' || /Id$|^symbol$|^date$/.test(name)) {
    return genValidString(name, p, w);
  }
  return fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
    )
    .filter((v) => v.trim() !== '');
}

function guessItemName(arrayName: string): string {
  if (/members/i.test(arrayName)) return 'accountId';
  return 'symbol';
}

function genObject(
  s: JsonSchema,
  w: World,
  depth: number,
  extraRequired: string[],
): fc.Arbitrary<Record<string, unknown>> {
  const props = s.properties ?? {};
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, p] of Object.entries(props)) entries[k] = genValue(k, p, w, depth);
  const required = [...(s.required ?? []), ...extraRequired].filter((k) => k in props);
  return fc.record(entries, { requiredKeys: required as never[] });
}

/** A valid body for the operation's schema (fields left out where optional). */
function genValidBody(op: Operation, w: World, trader: boolean): fc.Arbitrary<Record<string, unknown>> {
  const s = op.body?.schema ?? {};
  const props = s.properties ?? {};
  // A trader's review needs a note; the version is left out (it is the proposal's, or 409).
  return genObject(s, w, 0, trader && 'note' in props ? ['note'] : []).map((b) => {
    const { version, ...rest } = b as Record<string, unknown>;
    return trader ? rest : { ...rest, ...(version === undefined ? {} : { version }) };
  });
}

type Principal = 'advisor' | 'otherAdvisor' | 'ops' | 'trader';

/** One request for an operation: a valid base, then zero or more faults. */
function genRequest(op: Operation, w: World): fc.Arbitrary<Req> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  return fc
    .record({
      principal: fc.constantFrom<Principal>('advisor', 'advisor', 'advisor', 'otherAdvisor', 'ops', 'trader'),
      path: fc.record(
        Object.fromEntries(pathParams.map((p) => [p.name, genValidString(p.name, p.schema, w)])),
      ),
      query: fc.record(
        Object.fromEntries(queryParams.map((p) => [p.name, genValidString(p.name, p.schema, w)])),
        { requiredKeys: [] },
      ),
      bodyAdvisor: op.body ? genValidBody(op, w, false) : fc.constant(undefined),
      bodyTrader: op.body ? genValidBody(op, w, true) : fc.constant(undefined),
      sendBody: fc.boolean(),
      faults: fc.array(
        fc.constantFrom(
          'pathBad',
          'pathLong',
          'pathEncoding',
          'queryUnknown',
          'queryBad',
          'queryArray',
          'authAbsent',
          'authMalformed',
          'authUnknown',
          'authRevoked',
          'contentType',
          'bodyJson',
          'bodyWrongType',
          'bodyMissing',
          'bodyExtra',
          'bodyHugeField',
          'bodyUnstorable',
          'bodyTooLarge',
          'bodyNotObject',
          'bodyOnGet',
          'method',
          'unknownPath',
        ),
        { maxLength: 2 },
      ),
      pick: fc.nat({ max: 1000 }),
      badValue: fc.string(),
      extraKey: arbExtraKey,
      wrongJson: arbJsonValueWrong,
      huge: arbHuge,
      unicode: arbUnicode,
      ip: fc.nat({ max: 3 }),
    })
    .chain((base) => {
      // Bad values for each parameter are drawn here so they stay seeded.
      const bad = (p: Parameter) => genBadParam(p.name, p.schema);
      return fc
        .tuple(
          pathParams.length ? fc.tuple(...pathParams.map(bad)) : fc.constant([] as string[]),
          queryParams.length ? fc.tuple(...queryParams.map(bad)) : fc.constant([] as string[]),
        )
        .map(([badPath, badQuery]) => buildRequest(op, w, base, badPath, badQuery));
    });
}

interface Base {
  principal: Principal;
  path: Record<string, string>;
  query: Partial<Record<string, string>>;
  bodyAdvisor: Record<string, unknown> | undefined;
  bodyTrader: Record<string, unknown> | undefined;
  sendBody: boolean;
  faults: string[];
  pick: number;
  extraKey: string;
  wrongJson: unknown;
  huge: string;
  unicode: string;
  ip: number;
}

const BAD_AUTH = [
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNz',
  'Bearer zoe_short',
  'Bearer a b',
  'Token zoe_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'zoe_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  `Bearer ${'x'.repeat(5000)}`,
  'Bearer zoe_ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ',
  'Bearer\tzoe_x',
];
const BAD_JSON = [
  '{',
  '{"note":}',
  "{'note':'x'}",
  '{"version":1,}',
  '[1,2',
  'nul',
  '{"a":NaN}',
  '"unterminated',
  '{}}',
  '\u0000',
];
const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'text/json',
  'application/octet-stream',
];
const OTHER_METHODS = ['PUT', 'DELETE', 'PATCH'];

/** Percent-encodes the UTF-8 bytes of s (a lone surrogate becomes U+FFFD, as on the wire). */
function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function buildRequest(op: Operation, w: World, b: Base, badPath: string[], badQuery: string[]): Req {
  const faults: Fault[] = [];
  const parts = new Set<string>(['path', 'query', 'body', 'header.authorization', 'header.content-type']);
  // Outside /api there is nothing to validate: only a wrong method or path is a fault there.
  const kinds = new Set(
    op.secured ? b.faults : b.faults.filter((k) => k === 'method' || k === 'unknownPath'),
  );
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const isPost = op.method === 'POST';
  const pick = <T>(list: readonly T[], salt = 0): T => list[(b.pick + salt) % list.length] as T;
  let method = op.method;

  // ---- principal and headers
  const headers: Record<string, string> = {};
  let remoteAddress = '127.0.0.1';
  const token = {
    advisor: w.tokens.advisor,
    otherAdvisor: w.tokens.otherAdvisor,
    ops: w.tokens.ops,
    trader: w.tokens.trader,
  }[b.principal];
  const authFault = ['authAbsent', 'authMalformed', 'authUnknown', 'authRevoked'].find((k) => kinds.has(k));
  if (op.secured) {
    if (authFault) {
      // From other addresses, so the rate limit (429) is exercised without blocking the rest.
      remoteAddress = `10.0.0.${b.ip + 1}`;
      faults.push(fault(authFault, [401, 429], 'header.authorization'));
      if (authFault === 'authMalformed') headers.authorization = pick(BAD_AUTH);
      else if (authFault === 'authUnknown')
        headers.authorization = `Bearer zoe_${'A'.repeat(42)}${b.pick % 10}`;
      else if (authFault === 'authRevoked') headers.authorization = `Bearer ${w.tokens.revoked}`;
    } else {
      headers.authorization = `Bearer ${token}`;
    }
  }

  // ---- path
  const pathValues: Record<string, string> = { ...b.path };
  const rawPath: Record<string, string> = {};
  if (pathParams.length && kinds.has('pathBad')) {
    const i = b.pick % pathParams.length;
    const p = pathParams[i]!;
    pathValues[p.name] = badPath[i] ?? 'x';
    faults.push(fault('pathBad', [400, 404, 414], `path.${p.name}`, 'path'));
  } else if (pathParams.length && kinds.has('pathLong')) {
    const p = pick(pathParams);
    pathValues[p.name] = 'P20261124-'.padEnd(201 + (b.pick % 500), 'A');
    faults.push(fault('pathLong', [400, 414], 'path', `path.${p.name}`));
  } else if (pathParams.length && kinds.has('pathEncoding')) {
    const p = pick(pathParams);
    rawPath[p.name] = pick(['%', '%E0%A4%A', '%zz', 'P20261124-%C0%AF', '%FF%FE', 'a%00b', '%2e%2e%2f']);
    faults.push(fault('pathEncoding', [400, 404], 'path', `path.${p.name}`));
  }
  let path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    name in rawPath ? (rawPath[name] as string) : pct(pathValues[name] ?? ''),
  );
  if (kinds.has('unknownPath')) {
    path = pick([
      '/api/v1/nope',
      '/api/v2/proposals',
      `${path}/extra`,
      '/api/v1/proposals/',
      '/%',
      '//api/v1/me',
    ]);
    // '/api/v1/proposals/' is the proposal route with an empty id; it needs a token like any other.
    // A path that is another route's (GET /api/v1/proposals/ for a POST) is 405 at method.
    faults.push(
      fault('unknownPath', [400, 401, 404, 405], 'path', 'path.*', 'header.authorization', 'method'),
    );
    parts.add('path.proposalId');
  }
  if (kinds.has('method')) {
    method = pick(OTHER_METHODS);
    // A known path answers 405 (with Allow) at `method`; another route's path may be a 404.
    faults.push(fault('method', [404, 405], 'path', 'method'));
  }

  // ---- query
  const query = Object.entries(b.query).filter((e): e is [string, string] => e[1] !== undefined);
  if (kinds.has('queryUnknown')) {
    const key = b.extraKey;
    query.push([key, pick(['1', '', 'x', b.unicode])]);
    // A declared parameter is not unknown; its value may still be wrong.
    const declared = queryParams.find((p) => p.name === key);
    faults.push(
      declared
        ? fault('queryUnknown', [400, 403, 404], `query.${key}`)
        : fault('queryUnknown', [400], `query.${key}`, 'query'),
    );
  }
  if (queryParams.length && kinds.has('queryBad')) {
    const i = b.pick % queryParams.length;
    const p = queryParams[i]!;
    const v = pick([badQuery[i] ?? 'x', b.huge, b.unicode], 1);
    const at = query.findIndex(([k]) => k === p.name);
    if (at >= 0) query.splice(at, 1);
    query.push([p.name, v]);
    // A drawn string that happens to match the parameter's pattern ('key' for an account id) is valid.
    if (!(p.schema.pattern && new RegExp(p.schema.pattern).test(v)))
      faults.push(fault('queryBad', [400], `query.${p.name}`));
  }
  if (queryParams.length && kinds.has('queryArray')) {
    const p = pick(queryParams);
    query.push([p.name, '1'], [p.name, '2']);
    faults.push(fault('queryArray', [400], `query.${p.name}`));
  }
  const qs = query.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
  const url = qs ? `${path}?${qs}` : path;

  // ---- body
  let payload: string | undefined;
  const baseBody = b.principal === 'trader' ? b.bodyTrader : b.bodyAdvisor;
  const bodyProps = op.body?.schema.properties ?? {};
  const bodyKeys = Object.keys(bodyProps);
  const required = op.body?.schema.required ?? [];
  if (isPost && op.body) {
    let body: unknown = baseBody ? { ...baseBody } : {};
    const obj = body as Record<string, unknown>;
    let send = b.sendBody || op.body.required || Object.keys(obj).length > 0;
    if (kinds.has('bodyWrongType') && bodyKeys.length) {
      const k = pick(bodyKeys);
      obj[k] = b.wrongJson;
      // A string for a text field (or 1 for the version) is not wrong: only flag real faults.
      const t = bodyProps[k]?.type;
      // Free text takes any string; an amount, a date or a patterned id does not.
      const text = t === 'string' && !bodyProps[k]?.pattern && !['amount', 'effectiveDate'].includes(k);
      const storable = typeof b.wrongJson === 'string' && findUnstorable(b.wrongJson) === undefined;
      const fine =
        (text && storable && (b.wrongJson as string).trim() !== '') ||
        (t === 'integer' && Number.isInteger(b.wrongJson) && (b.wrongJson as number) > 0) ||
        (text && storable && !required.includes(k) && b.principal !== 'trader') ||
        // A configuration field given a value of its own JSON type may well be valid.
        (op.config &&
          ((t === 'boolean' && typeof b.wrongJson === 'boolean') ||
            (t === 'array' && Array.isArray(b.wrongJson)) ||
            (t === 'object' &&
              b.wrongJson !== null &&
              typeof b.wrongJson === 'object' &&
              !Array.isArray(b.wrongJson)) ||
            (t === undefined && b.wrongJson !== undefined)));
      if (!fine) faults.push(fault('bodyWrongType', [400], `body.${k}`));
      send = true;
    }
    if (kinds.has('bodyMissing') && required.length) {
      const k = pick(required);
      delete obj[k];
      faults.push(fault('bodyMissing', [400], `body.${k}`, 'body'));
      send = true;
    }
    if (kinds.has('bodyExtra')) {
      const k = bodyKeys.includes(b.extraKey) ? `${b.extraKey}_x` : b.extraKey;
      Object.defineProperty(obj, k, { value: 1, enumerable: true, configurable: true, writable: true });
      faults.push(fault('bodyExtra', [400], `body.${k}`, 'body'));
      send = true;
    }
    if (kinds.has('bodyHugeField')) {
      const textKeys = bodyKeys.filter((k) => bodyProps[k]?.type === 'string');
      if (textKeys.length) {
        const k = pick(textKeys);
        obj[k] = 'é'.repeat(2001 + (b.pick % 5000));
        faults.push(fault('bodyHugeField', [400, 413], `body.${k}`, 'body'));
        send = true;
      }
    }
    if (kinds.has('bodyUnstorable')) {
      // Text PostgreSQL cannot store (src/domain/text.ts) in a free-text field: 400 naming it.
      const textKeys = bodyKeys.filter(
        (k) => bodyProps[k]?.type === 'string' && !bodyProps[k]?.pattern && !bodyProps[k]?.enum,
      );
      if (textKeys.length) {
        const k = pick(textKeys);
        obj[k] = pick([
          'a\u0000b',
          '\u0000',
          'x\ud800',
          '\udc00y',
          'ok \udbff',
          `${'n'.repeat(b.pick % 50)}\u0000`,
        ]);
        faults.push(fault('bodyUnstorable', [400], `body.${k}`, 'body'));
        send = true;
      }
    }
    if (kinds.has('bodyNotObject')) {
      body = pick<unknown>([null, [], [obj], 1, 'approve', true]);
      faults.push(fault('bodyNotObject', [400], 'body'));
      send = true;
    }
    if (send) payload = JSON.stringify(body);
    if (kinds.has('bodyJson')) {
      payload = pick(BAD_JSON);
      faults.push(fault('bodyJson', [400], 'body'));
    }
    if (kinds.has('bodyTooLarge')) {
      payload = JSON.stringify({ note: 'x'.repeat(17 * 1024 + b.pick) });
      faults.push(fault('bodyTooLarge', [413], 'body'));
    }
    if (payload !== undefined) headers['content-type'] = 'application/json';
  } else if (kinds.has('bodyOnGet') || (!op.body && kinds.has('bodyJson'))) {
    // A body on a GET has no meaning in HTTP: refused (400 at body), never answered 200.
    payload = kinds.has('bodyJson') ? pick(BAD_JSON) : JSON.stringify({ note: 'x' });
    headers['content-type'] = 'application/json';
    if (method === 'POST' || method === 'GET') faults.push(fault('bodyOnGet', [400], 'body'));
  }
  if (kinds.has('contentType') && payload !== undefined) {
    headers['content-type'] = pick(BAD_CONTENT_TYPES);
    // Only a body that is read can be of the wrong type (a GET's body is not read).
    if (method === 'POST') faults.push(fault('contentType', [415], 'header.content-type', 'body'));
  }
  if (method !== op.method && payload !== undefined) {
    // Fastify reads the body of a PUT/PATCH/DELETE before it finds no route: 400/413/415 or 404.
    faults.push(fault('bodyOfOtherMethod', [400, 413, 415], 'body', 'header.content-type'));
  }

  // ---- what a valid request may still be refused for (the caller's role, another's data)
  if (op.secured && !authFault) {
    if (isPost && b.principal === 'ops') faults.push(fault('opsDecides', [403], 'header.authorization'));
    if (isPost && b.principal === 'trader') faults.push(fault('traderOnManual', [403], 'path.proposalId'));
    if (isPost && b.principal === 'trader') faults.push(fault('traderNeedsNote', [400], 'body.note'));
    if (isPost && b.principal === 'trader') faults.push(fault('traderVersion', [409], 'body.version'));
    for (const p of pathParams) faults.push(fault('notVisible', [404], `path.${p.name}`));
    if (b.query.advisorId) faults.push(fault('otherAdvisor', [403], 'query.advisorId'));
    if (b.query.accountId) faults.push(fault('notVisible', [404], 'query.accountId'));
    if (b.query.date) faults.push(fault('noDay', [404], 'query.date'));
    if (b.query.from && b.query.to) faults.push(fault('fromAfterTo', [400], 'query.from'));
    if (op.config) {
      // Configuration: the role (403), references that do not exist (404), conflicts with the book
      // (409) and cross-field rules or the engine's refusal (400) of a schema-valid request.
      faults.push(
        fault(
          'configRefusal',
          [400, 403, 404, 409],
          'header.authorization',
          'body',
          'body.*',
          'path.*',
          'query.*',
        ),
      );
    }
    // A requestId drawn twice for different amounts is another withdrawal's id: 409.
    if (op.operationId === 'requestWithdrawal') {
      faults.push(fault('requestIdUsed', [409], 'body.requestId'));
      // The configuration routes may have closed the account earlier in the run: 409.
      faults.push(fault('accountClosed', [409], 'path.accountId'));
      if (b.principal === 'trader') faults.push(fault('traderWithdraws', [403], 'header.authorization'));
    }
  }
  for (const [k] of query) parts.add(`query.${k}`);
  for (const p of pathParams) parts.add(`path.${p.name}`);
  for (const k of [...bodyKeys, ...Object.keys(baseBody ?? {})]) parts.add(`body.${k}`);
  if (b.extraKey) parts.add(`body.${bodyKeys.includes(b.extraKey) ? `${b.extraKey}_x` : b.extraKey}`);
  return { op: op.operationId, method, url, headers, payload, remoteAddress, faults, parts };
}

/* ------------------------------------------------------------------ the stub workflow client */

function stubClient(): Client {
  const status = (id: string) => {
    const [, date = DATE, accountId = 'ACC001'] = /^account-day-(\d{4}-\d{2}-\d{2})-(.+)$/.exec(id) ?? [];
    return {
      accountId,
      advisorId: 'ADV-BEN',
      mode: 'MANUAL',
      tradeDate: date,
      stage: 'AwaitingApproval',
      stageHistory: [{ stage: 'Starting', at: `${date}T13:00:00.000Z` }],
      deadlines: {
        approvalCutoff: `${date}T20:45:00.000Z`,
        windowOpen: `${date}T19:30:00.000Z`,
        windowClose: `${date}T20:50:00.000Z`,
        confirmAt: `${date}T22:00:00.000Z`,
      },
      breaks: 0,
      orders: [],
      refusedMessages: [],
    };
  };
  return {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    workflow: {
      getHandle: (id: string) => ({
        async executeUpdate(
          def: { name: string },
          opts: { args: [{ decision?: string; proposalId: string }] },
        ) {
          const a = opts.args[0];
          const approve = def.name === 'approve' || (def.name === 'zoeReview' && a.decision === 'APPROVE');
          return { proposalId: a.proposalId, decision: approve ? 'APPROVED' : 'REJECTED', duplicate: false };
        },
        async query() {
          if (!id.includes(DATE)) throw new WorkflowNotFoundError(`workflow ${id} not found`, id, undefined);
          return status(id);
        },
      }),
    },
  } as unknown as Client;
}

/* ------------------------------------------------------------------ the run */

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

// biome-ignore lint/suspicious/noExplicitAny: response schemas of different types
const RESPONSE_SCHEMAS: Record<string, z.ZodType<any>> = Object.fromEntries(
  // A route that answers a file (CSV, a JSON download) is not checked against a JSON schema.
  ROUTES.filter((r) => !r.produces).map((r) => [r.operationId, r.response.schema]),
);

/** Matches `where` against a fault's where: exact, or any field below it for `part.*`. */
function whereMatches(where: string, allowed: string): boolean {
  return allowed.endsWith('.*') ? where.startsWith(allowed.slice(0, -1)) : where === allowed;
}

function describeReq(r: Req): string {
  const body = r.payload === undefined ? '' : ` body ${JSON.stringify(r.payload.slice(0, 300))}`;
  const hdr = JSON.stringify(r.headers).slice(0, 300);
  return `${r.method} ${r.url.slice(0, 300)} (${r.op}) headers ${hdr}${body} faults [${r.faults.map((f) => f.what).join(', ')}]`;
}

/** What is wrong with the answer to this request, or undefined. */
function judge(r: Req, a: Answer): string | undefined {
  const s = a.statusCode;
  if (s >= 500) return `a ${s}`;
  const real = r.faults.filter(
    (f) =>
      ![
        'opsDecides',
        'traderOnManual',
        'traderNeedsNote',
        'traderVersion',
        'notVisible',
        'otherAdvisor',
        'noDay',
        'fromAfterTo',
        'configRefusal',
        'requestIdUsed',
        'accountClosed',
      ].includes(f.what),
  );
  if (s < 300) {
    if (real.length) return `a ${s} for a request with faults`;
    const schema = RESPONSE_SCHEMAS[r.op];
    if (schema && r.method !== 'HEAD') {
      let json: unknown;
      try {
        json = JSON.parse(a.body);
      } catch {
        return 'a 2xx whose body is not JSON';
      }
      const ok = schema.safeParse(json);
      if (!ok.success)
        return `a 2xx whose body does not match its schema: ${JSON.stringify(ok.error.issues[0])}`;
    }
    return undefined;
  }
  if (s < 400) return `a ${s}`;
  // A 4xx: a problem that says what and where.
  const ct = String(a.headers['content-type'] ?? '');
  if (!ct.startsWith('application/problem+json')) return `content-type ${ct}`;
  let p: { type?: unknown; title?: unknown; status?: unknown; detail?: unknown; where?: unknown };
  try {
    p = JSON.parse(a.body);
  } catch {
    return 'a problem body that is not JSON';
  }
  if (p.status !== s) return `problem status ${String(p.status)} on a ${s}`;
  if (typeof p.title !== 'string' || typeof p.detail !== 'string' || p.detail.trim() === '') {
    return 'a problem without title or detail';
  }
  if (typeof p.where !== 'string' || p.where === '') return `a ${s} problem without where: ${p.detail}`;
  const where = p.where;
  const root = where.split('.')[0] ?? '';
  if (!['path', 'query', 'body', 'header', 'method'].includes(root))
    return `where ${where} names no part of a request`;
  if (s === 405 && !String(a.headers.allow ?? '')) return 'a 405 without Allow';
  const top = where.split('.').slice(0, 2).join('.');
  // Another path may be another route (POST /api/v1/securities/extra is changeSecurity of 'extra').
  const otherRoute = root === 'path' && r.faults.some((f) => f.what === 'unknownPath');
  if (root !== 'header' && root !== 'method' && !r.parts.has(where) && !r.parts.has(top) && !otherRoute) {
    return `where ${where} is not a part of this request`;
  }
  const matching = r.faults.filter((f) => f.where.some((w) => whereMatches(where, w)));
  if (!matching.length) return `where ${where} (${s}: ${p.detail}) matches no fault of the request`;
  if (!matching.some((f) => f.statuses.includes(s))) {
    return `status ${s} at ${where} (${p.detail}) is not what faults ${matching.map((f) => f.what).join(', ')} give`;
  }
  return undefined;
}

describe(`fuzz: ${RUNS} API requests from /openapi.json (seed ${SEED})`, () => {
  let t: TestDb;
  let app: ReturnType<typeof buildApiApp>;
  const world = {} as World;

  before(async () => {
    t = await createTestDb();
    await seedDemoData(t.db, { asOf: DATE });
    app = buildApiApp({
      db: t.db,
      client: stubClient(),
      today: () => DATE,
      workflowTimeoutMs: 1000,
      authFailureLimit: { max: 200, windowMs: 60_000 },
      limits: { requestRate: { max: 1_000_000, windowMs: 60_000 } },
      logError: () => undefined,
    });
    await app.ready();
    const accounts: { id: string; advisor_id: string; mode: string }[] = await t.db('accounts').orderBy('id');
    const advisorId = 'ADV-BEN';
    const otherAdvisorId = 'ADV-ANA';
    world.advisorId = advisorId;
    world.otherAdvisorId = otherAdvisorId;
    world.ownAccounts = accounts.filter((a) => a.advisor_id === advisorId).map((a) => a.id);
    world.otherAccounts = accounts.filter((a) => a.advisor_id !== advisorId).map((a) => a.id);
    world.models = (await t.db('models').select('id')).map((m: { id: string }) => m.id);
    world.households = (await t.db('households').select('id')).map((h: { id: string }) => h.id);
    world.symbols = (await t.db('securities').select('symbol')).map((x: { symbol: string }) => x.symbol);
    world.ownProposals = [];
    world.otherProposals = [];
    world.autoProposals = [];
    for (const a of accounts) {
      const id = await insertProposal(t.db, { accountId: a.id, tradeDate: DATE });
      if (a.mode === 'AUTO') world.autoProposals.push(id);
      else if (a.advisor_id === advisorId) world.ownProposals.push(id);
      else world.otherProposals.push(id);
      await insertProposal(t.db, {
        accountId: a.id,
        tradeDate: '2026-11-20',
        status: 'REJECTED',
        decision: { decision: 'REJECT', actor: a.advisor_id, via: 'update', note: 'not now' },
      });
    }
    const mk = async (owner: Parameters<typeof createAdvisorToken>[1]) => createAdvisorToken(t.db, owner);
    const revoked = await mk({ advisorId, label: 'revoked' });
    await revokeToken(t.db, revoked.id);
    world.tokens = {
      advisor: (await mk({ advisorId, label: 'fuzz' })).token,
      otherAdvisor: (await mk({ advisorId: otherAdvisorId, label: 'fuzz' })).token,
      ops: (await mk({ role: 'ops', label: 'fuzz ops' })).token,
      trader: (await mk({ role: 'trader', label: 'fuzz trader' })).token,
      revoked: revoked.token,
    };
  });

  after(async () => {
    await app?.close();
    await t?.drop();
  });

  it('no 5xx, no crash; every 4xx is a problem naming the offending part of the request', async () => {
    const docRes = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(docRes.statusCode, 200);
    const ops = operationsOf(JSON.parse(docRes.body));
    const apiOps = ops.filter((o) => o.path.startsWith('/api/'));
    assert.ok(apiOps.length >= 7, `only ${apiOps.length} API operations in the document`);
    assert.ok(
      ops.some((o) => o.body),
      'no operation with a body in the document',
    );

    // Decisions (bodies) most, the other API routes next, the page and the document least.
    const weight = (o: Operation) => (o.body ? 5 : o.secured ? 3 : 1);
    const arb = fc.oneof(...ops.map((op) => ({ weight: weight(op), arbitrary: genRequest(op, world) })));
    const t0 = Date.now();
    const requests = fc.sample(arb, { seed: SEED, numRuns: RUNS });
    const genMs = Date.now() - t0;

    const byStatus = new Map<number, number>();
    const byOp = new Map<string, number>();
    const byWhere = new Map<string, number>();
    const failures: string[] = [];
    let failureCount = 0;
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        let a: Answer;
        try {
          const res = await app.inject({
            method: r.method as 'GET',
            url: r.url,
            headers: r.headers,
            payload: r.payload,
            remoteAddress: r.remoteAddress,
          });
          a = { statusCode: res.statusCode, headers: res.headers, body: res.body };
        } catch (e) {
          a = { statusCode: 599, headers: {}, body: `inject threw: ${(e as Error).stack}` };
        }
        byStatus.set(a.statusCode, (byStatus.get(a.statusCode) ?? 0) + 1);
        byOp.set(r.op, (byOp.get(r.op) ?? 0) + 1);
        if (a.statusCode >= 400) {
          try {
            const w = String(JSON.parse(a.body).where ?? '(none)').replace(/^(query|body)\..*$/, '$1.*');
            byWhere.set(w, (byWhere.get(w) ?? 0) + 1);
          } catch {
            /* judged below */
          }
        }
        const wrong = judge(r, a);
        if (wrong) {
          failureCount++;
          if (failures.length < 15)
            failures.push(`${wrong}\n    ${describeReq(r)}\n    → ${a.statusCode} ${a.body.slice(0, 400)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const ms = Date.now() - t0;

    const hist = [...byStatus.entries()].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}: ${n}`);
    console.log(
      `[fuzz:api] ${requests.length} requests over ${ops.length} operations in ${ms} ms ` +
        `(generation ${genMs} ms); status ${hist.join(', ')}`,
    );
    console.log(`[fuzz:api] per operation: ${[...byOp.entries()].map(([o, n]) => `${o} ${n}`).join(', ')}`);
    console.log(
      `[fuzz:api] where: ${[...byWhere.entries()]
        .sort((x, y) => y[1] - x[1])
        .map(([w, n]) => `${w} ${n}`)
        .join(', ')}`,
    );
    assert.equal(
      failureCount,
      0,
      `${failureCount} of ${requests.length} answers are wrong; the first ones:\n${failures.join('\n')}`,
    );
    assert.equal(requests.length, RUNS);
    const count = (lo: number, hi: number) =>
      [...byStatus.entries()].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0);
    // The fuzzer has teeth: both accepted and refused requests, over every kind of 4xx.
    assert.equal(count(500, 600), 0, 'no 5xx');
    assert.ok(count(200, 300) > RUNS / 20, `only ${count(200, 300)} 2xx`);
    assert.ok(count(400, 500) > RUNS / 3, `only ${count(400, 500)} 4xx`);
    for (const s of [400, 401, 404, 413, 415]) assert.ok((byStatus.get(s) ?? 0) > 0, `no ${s} at all`);
  });
});
