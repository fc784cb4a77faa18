/**
 * The simulator-only routes of the morning files (no Apex equivalent; Apex delivers by itself):
 * - `POST /sim/v1/sod-files/{processDate}[?lowerCase=1&header=1&oldCusips=1]`, optional body
 *   `{"quirks": {...}, "faults": [...]}`: writes the file set; answers `{files, pending, missing}`;
 * - `GET|POST /sim/v1/file-quirks`: the quirks every request gets (a request's own add to them);
 * - `GET|POST /sim/v1/corporate-actions`: list one date's (`?processDate=`) or add one (EXT235);
 * - `POST /sim/v1/cash-activity`: a deposit, withdrawal, dividend… (EXT869), applied to the cash;
 * - `POST /sim/v1/accounts`: an account opened at the custodian only (./open-account.ts).
 * File faults are part of the fault switch: `POST /sim/v1/faults {"files": [...]}`.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { SimError } from './errors';
import {
  type FileFault,
  FileFaultSchema,
  type FileQuirks,
  type FileQuirksInput,
  FileQuirksSchema,
  writeStartOfDayFileSet,
} from './files';
import { OpenAccountInputSchema, openSimAccount } from './open-account';
import {
  CashActivityInputSchema,
  CorporateActionInputSchema,
  addCashActivity,
  addCorporateAction,
  corporateActionRows,
} from './sod';
import type { SimCustodian } from './state';

const SodRequestBody = z
  .object({
    quirks: FileQuirksSchema.partial().strict().optional(),
    faults: z.array(FileFaultSchema).max(100).optional(),
  })
  .strict();

function parseOrThrow<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const msg = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  throw new SimError(400, 'INVALID_ARGUMENT', msg);
}

export interface SodRoutes {
  /** The answer to a /sim/v1/… files route, or undefined when the request is not one. */
  handle(
    method: string,
    url: URL,
    readBody: () => Promise<unknown>,
  ): Promise<{ status: number; payload: unknown } | undefined>;
  quirks(): FileQuirks;
  setQuirks(q: FileQuirksInput): FileQuirks;
}

export function sodRoutes(ctx: {
  db: Knex;
  sim: SimCustodian;
  dropDir: string;
  correspondent: string;
  /** The file faults of the fault switch, read at each request. */
  fileFaults: () => readonly FileFault[];
}): SodRoutes {
  let quirks: FileQuirks = FileQuirksSchema.parse({});
  const setQuirks = (q: FileQuirksInput): FileQuirks => {
    quirks = FileQuirksSchema.parse({ ...quirks, ...q });
    return quirks;
  };
  const notRoute = (method: string, url: URL) =>
    new SimError(404, 'NOT_FOUND', `${method} ${url.pathname} is not a route`);

  return {
    quirks: () => quirks,
    setQuirks,
    async handle(method, url, readBody) {
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'sim' || parts[1] !== 'v1') return undefined;
      const route = parts[2];
      if (route === 'sod-files' && parts[3] && parts.length === 4) {
        if (method !== 'POST') throw notRoute(method, url);
        const date = parts[3];
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
          throw new SimError(400, 'INVALID_ARGUMENT', 'process date must be YYYY-MM-DD');
        const body = parseOrThrow(SodRequestBody, await readBody());
        const q: FileQuirksInput = { ...quirks, ...(body.quirks ?? {}) };
        if (url.searchParams.get('lowerCase') === '1') q.lowerCaseSymbols = true;
        if (url.searchParams.get('oldCusips') === '1') if (!q.oldCusips) q.oldCusips = true;
        const result = await writeStartOfDayFileSet(ctx.db, ctx.sim, date, {
          dropDir: ctx.dropDir,
          correspondent: ctx.correspondent,
          tradeFileHeader: url.searchParams.get('header') === '1' ? true : undefined,
          quirks: q,
          faults: [...ctx.fileFaults(), ...(body.faults ?? [])],
        });
        return { status: 200, payload: result };
      }
      if (route === 'file-quirks' && parts.length === 3) {
        if (method === 'GET') return { status: 200, payload: { quirks } };
        if (method !== 'POST') throw notRoute(method, url);
        const q = parseOrThrow(FileQuirksSchema.partial().strict(), await readBody());
        return { status: 200, payload: { quirks: setQuirks(q) } };
      }
      if (route === 'corporate-actions' && parts.length === 3) {
        if (method === 'GET') {
          const date = url.searchParams.get('processDate') ?? '';
          if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
            throw new SimError(400, 'INVALID_ARGUMENT', 'processDate query parameter must be YYYY-MM-DD');
          return { status: 200, payload: { corporateActions: await corporateActionRows(ctx.db, date) } };
        }
        if (method !== 'POST') throw notRoute(method, url);
        const input = parseOrThrow(CorporateActionInputSchema, await readBody());
        return { status: 200, payload: await addCorporateAction(ctx.db, input) };
      }
      if (route === 'accounts' && parts.length === 3) {
        if (method !== 'POST') throw notRoute(method, url);
        const input = parseOrThrow(OpenAccountInputSchema, await readBody());
        return { status: 201, payload: await openSimAccount(ctx.db, input) };
      }
      if (route === 'cash-activity' && parts.length === 3) {
        if (method !== 'POST') throw notRoute(method, url);
        const input = parseOrThrow(CashActivityInputSchema, await readBody());
        return { status: 200, payload: await addCashActivity(ctx.db, input) };
      }
      return undefined;
    },
  };
}
