/**
 * The CLI twin of the configuration API: every operation of src/api/config/ from the command
 * line, run through the same route (same validation, same service, same audit, `via: cli`), as an
 * ops principal named by `--by`. Complex inputs come as JSON (`--json '{…}'` or `--file x.json`,
 * the API's body), simple ones as flags; an error names the flag or the JSON field at fault.
 *
 *   models list | show ID | versions ID | create --json|--file | publish ID --json|--file
 *   accounts list [--status S] [--advisor A] [--model M] [--household H] [--limit N] [--offset N]
 *   accounts show ID | history ID | create --json|--file | close ID --reason R
 *   accounts set ID [--model M] [--mode AUTO|MANUAL] [--lot-method L] [--advisor A] [--household H]
 *                   [--registration TAXABLE|IRA|ROTH] [--name N] [--set key=value]… [--clear key]… [--json '{…}']
 *   accounts preview ID [--date D] [--model M] [--lot-method L] [--set key=value]… [--clear key]…
 *   households list | show ID | create --id H --name N [--member A]… | add-members ID --member A… [--name N]
 *   restrictions list [--scope S] [--account A] [--advisor X] [--active-on D]
 *   restrictions add --scope ACCOUNT|ADVISOR|FIRM [--account A] [--advisor X] --symbol S --kind K
 *                    --reason R [--starts-on D] [--ends-on D]
 *   restrictions end ID [--ends-on D] [--note T]
 *   securities list | show SYMBOL | add --json|--file | set SYMBOL --json|--file
 *   advisors list | add --id X --name N --email E [--rep-code R]
 *   firm settings [--set advisorsMayChangeAccountSettings=true]
 *   ops onboarding
 *   notify prefs ADVISOR [--off KIND[,KIND]]… [--on KIND[,KIND]]…   (no --off/--on: show them)
 * Changes need `--by NAME` (who, for the audit log).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { Problem, zodProblem } from '../api/problems';
import { type ApiRoute, ROUTES } from '../api/routes';
import type { Principal } from '../api/tokens';
import { BOOLEAN_SETTINGS, INTEGER_SETTINGS } from '../domain/config/engine-settings';
import { cliText } from './args';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface CliDeps {
  db: Knex;
  today: () => string;
}

/** A command's request: what goes to the route, and which flag each body field came from. */
interface Request {
  operationId: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** where ('body.mode', 'body.overrides.absBand', 'query.advisorId') → the flag it came from. */
  flags: Map<string, string>;
  /** Reads need no --by. */
  write: boolean;
}

class CliError extends Error {}

const OPTIONS = {
  json: { type: 'string' },
  file: { type: 'string' },
  by: { type: 'string' },
  status: { type: 'string' },
  advisor: { type: 'string' },
  model: { type: 'string' },
  household: { type: 'string' },
  registration: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  mode: { type: 'string' },
  'lot-method': { type: 'string' },
  name: { type: 'string' },
  set: { type: 'string', multiple: true },
  clear: { type: 'string', multiple: true },
  reason: { type: 'string' },
  date: { type: 'string' },
  id: { type: 'string' },
  member: { type: 'string', multiple: true },
  scope: { type: 'string' },
  account: { type: 'string' },
  symbol: { type: 'string' },
  kind: { type: 'string' },
  'starts-on': { type: 'string' },
  'ends-on': { type: 'string' },
  'active-on': { type: 'string' },
  note: { type: 'string' },
  email: { type: 'string' },
  'rep-code': { type: 'string' },
  off: { type: 'string', multiple: true },
  on: { type: 'string', multiple: true },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** The JSON body of --json or --file (an object), or undefined. */
function jsonBody(v: Values): Record<string, unknown> | undefined {
  if (v.json !== undefined && v.file !== undefined) throw new CliError('give --json or --file, not both');
  const text = v.json ?? (v.file !== undefined ? readText(v.file) : undefined);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError(
      `${v.json !== undefined ? '--json' : `--file ${v.file}`} is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`${v.json !== undefined ? '--json' : `--file ${v.file}`} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`--file ${file}: ${(e as Error).message}`);
  }
}

/** `key=value` settings: booleans and whole numbers where the engine wants them, null clears. */
function settingValue(key: string, raw: string): unknown {
  if (raw === 'null') return null;
  if (BOOLEAN_SETTINGS.includes(key as never)) return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (INTEGER_SETTINGS.includes(key as never) && /^\d{1,6}$/.test(raw)) return Number(raw);
  if (key === 'esgExcluded') return raw === '' ? [] : raw.split(',').map((s) => s.trim());
  return raw;
}

/** --set key=value and --clear key into an overrides merge patch, remembering each flag. */
function overridesFrom(v: Values, flags: Map<string, string>): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const kv of v.set ?? []) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new CliError(`--set ${kv}: write key=value, e.g. --set absBand=0.03`);
    const key = kv.slice(0, at);
    patch[key] = settingValue(key, kv.slice(at + 1));
    flags.set(`body.overrides.${key}`, `--set ${key}`);
  }
  for (const key of v.clear ?? []) {
    patch[key] = null;
    flags.set(`body.overrides.${key}`, `--clear ${key}`);
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** Copies the given flags into the body (or query) under their field names, remembering each flag. */
function fromFlags(
  v: Values,
  pairs: [keyof Values, string][],
  flags: Map<string, string>,
  part: 'body' | 'query' = 'body',
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [flag, field] of pairs) {
    const value = v[flag];
    if (value === undefined) continue;
    body[field] = value;
    flags.set(`${part}.${field}`, `--${String(flag)}`);
  }
  return body;
}

function positional(args: string[], what: string): string {
  const id = args[0];
  if (!id) throw new CliError(`give the ${what}`);
  return id;
}

/** The request a command makes, from its words and flags. */
function requestFor(group: string, verb: string, args: string[], v: Values): Request {
  const flags = new Map<string, string>();
  const req = (operationId: string, more: Partial<Request> = {}): Request => ({
    operationId,
    flags,
    write: false,
    ...more,
  });
  const write = (operationId: string, more: Partial<Request>): Request =>
    req(operationId, { ...more, write: true });
  const json = () => {
    const b = jsonBody(v);
    if (!b) throw new CliError("give the body as --json '{…}' or --file body.json (the API request body)");
    return b;
  };
  const key = `${group} ${verb}`;
  switch (key) {
    case 'models list':
      return req('listModels');
    case 'models show':
      return req('getModel', { params: { modelId: positional(args, 'model id') } });
    case 'models versions':
      return req('listModelVersions', { params: { modelId: positional(args, 'model id') } });
    case 'models create':
      return write('createModel', { body: json() });
    case 'models publish':
      return write('publishModelVersion', {
        params: { modelId: positional(args, 'model id') },
        body: json(),
      });
    case 'accounts list':
      return req('listAccounts', {
        query: fromFlags(
          v,
          [
            ['status', 'status'],
            ['advisor', 'advisorId'],
            ['model', 'modelId'],
            ['household', 'householdId'],
            ['limit', 'limit'],
            ['offset', 'offset'],
          ],
          flags,
          'query',
        ) as Record<string, string>,
      });
    case 'accounts show':
      return req('getAccountSettings', { params: { accountId: positional(args, 'account id') } });
    case 'accounts history':
      return req('accountSettingsHistory', {
        params: { accountId: positional(args, 'account id') },
        query: fromFlags(
          v,
          [
            ['limit', 'limit'],
            ['offset', 'offset'],
          ],
          flags,
          'query',
        ) as Record<string, string>,
      });
    case 'accounts create':
      return write('createAccount', { body: json() });
    case 'accounts close':
      return write('closeAccount', {
        params: { accountId: positional(args, 'account id') },
        body: fromFlags(v, [['reason', 'reason']], flags),
      });
    case 'accounts set':
    case 'accounts preview': {
      const body = {
        ...(jsonBody(v) ?? {}),
        ...fromFlags(
          v,
          verb === 'set'
            ? [
                ['model', 'modelId'],
                ['mode', 'mode'],
                ['lot-method', 'lotMethod'],
                ['advisor', 'advisorId'],
                ['household', 'householdId'],
                ['registration', 'registration'],
                ['name', 'name'],
              ]
            : [
                ['model', 'modelId'],
                ['lot-method', 'lotMethod'],
                ['date', 'date'],
              ],
          flags,
        ),
      };
      const overrides = overridesFrom(v, flags);
      if (overrides) body.overrides = { ...((body.overrides as object) ?? {}), ...overrides };
      const params = { accountId: positional(args, 'account id') };
      return verb === 'set'
        ? write('changeAccountSettings', { params, body })
        : req('previewAccount', { params, body });
    }
    case 'households list':
      return req('listHouseholds');
    case 'households show':
      return req('getHousehold', { params: { householdId: positional(args, 'household id') } });
    case 'households create':
      return write('createHousehold', {
        body:
          jsonBody(v) ??
          fromFlags(
            v,
            [
              ['id', 'id'],
              ['name', 'name'],
              ['member', 'members'],
            ],
            flags,
          ),
      });
    case 'households add-members':
      return write('changeHousehold', {
        params: { householdId: positional(args, 'household id') },
        body: fromFlags(
          v,
          [
            ['member', 'addMembers'],
            ['name', 'name'],
          ],
          flags,
        ),
      });
    case 'restrictions list':
      return req('listRestrictions', {
        query: fromFlags(
          v,
          [
            ['scope', 'scope'],
            ['account', 'accountId'],
            ['advisor', 'advisorId'],
            ['active-on', 'activeOn'],
          ],
          flags,
          'query',
        ) as Record<string, string>,
      });
    case 'restrictions add':
      return write('addRestriction', {
        body:
          jsonBody(v) ??
          fromFlags(
            v,
            [
              ['scope', 'scope'],
              ['account', 'accountId'],
              ['advisor', 'advisorId'],
              ['symbol', 'symbol'],
              ['kind', 'kind'],
              ['reason', 'reason'],
              ['starts-on', 'startsOn'],
              ['ends-on', 'endsOn'],
            ],
            flags,
          ),
      });
    case 'restrictions end':
      return write('endRestriction', {
        params: { restrictionId: positional(args, 'restriction id') },
        body: fromFlags(
          v,
          [
            ['ends-on', 'endsOn'],
            ['note', 'note'],
          ],
          flags,
        ),
      });
    case 'securities list':
      return req('listSecurities');
    case 'securities show':
      return req('getSecurity', { params: { symbol: positional(args, 'symbol') } });
    case 'securities add':
      return write('addSecurity', { body: json() });
    case 'securities set':
      return write('changeSecurity', { params: { symbol: positional(args, 'symbol') }, body: json() });
    case 'advisors list':
      return req('listAdvisors');
    case 'advisors add':
      return write('addAdvisor', {
        body:
          jsonBody(v) ??
          fromFlags(
            v,
            [
              ['id', 'id'],
              ['name', 'name'],
              ['email', 'email'],
              ['rep-code', 'repCode'],
            ],
            flags,
          ),
      });
    case 'firm settings': {
      if (!v.set?.length) return req('getFirmSettings');
      const body: Record<string, unknown> = {};
      for (const kv of v.set) {
        const [k = '', val = ''] = kv.split('=');
        body[k] = val === 'true' ? true : val === 'false' ? false : val;
        flags.set(`body.${k}`, `--set ${k}`);
      }
      return write('changeFirmSettings', { body });
    }
    case 'ops onboarding':
      return req('listPendingSetup');
    case 'notify prefs': {
      const params = { advisorId: positional(args, 'advisor id') };
      const kinds = (xs: string[] | undefined) =>
        xs
          ?.flatMap((x) => x.split(','))
          .map((k) => k.trim())
          .filter(Boolean);
      const off = kinds(v.off);
      const on = kinds(v.on);
      if (off === undefined && on === undefined) return req('getNotifyPrefs', { params });
      flags.set('body.off', '--off');
      flags.set('body.on', '--on');
      return write('changeNotifyPrefs', {
        params,
        body: { ...(off ? { off } : {}), ...(on ? { on } : {}) },
      });
    }
    default:
      throw new CliError(`unknown command: ${key.trim()} (see src/cli/config.ts for the list)`);
  }
}

const routeByOperation = new Map(ROUTES.map((r) => [r.operationId, r]));

/** The problem's where as the command line names it: the flag, or the JSON field. */
function cliWhere(where: string | undefined, req: Request): string {
  if (!where) return '';
  for (const [at, flag] of req.flags) {
    if (where === at || where.startsWith(`${at}.`)) return flag + where.slice(at.length);
  }
  if (where.startsWith('body')) {
    const path = where.replace(/^body\.?/, '');
    return path ? `--json ${path}` : '--json';
  }
  if (where.startsWith('path.')) return `the ${where.slice(5)} argument`;
  return where;
}

function parse(r: ApiRoute, part: 'params' | 'query' | 'body', value: unknown, where: string): unknown {
  const schema = r[part];
  if (!schema) return {};
  const res = schema.safeParse(value ?? {});
  if (!res.success) throw zodProblem(where, res.error);
  return res.data;
}

/** Runs one configuration command; returns the exit code. */
export async function runConfigCommand(deps: CliDeps, argv: string[], io: CliIo): Promise<number> {
  let req: Request | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [group = '', verb = '', ...rest] = positionals;
    req = requestFor(group, verb, rest, values);
    const by = cliText('by', values.by, 200);
    if (req.write && !by) throw new CliError('changes need --by NAME (who makes them, for the audit log)');
    const route = routeByOperation.get(req.operationId);
    if (!route) throw new CliError(`no route ${req.operationId}`);
    const principal: Principal = { kind: 'ops', tokenId: 'cli', advisorId: null, label: by ?? 'cli' };
    const out = await route.handler({
      params: parse(route, 'params', req.params, 'path'),
      query: parse(route, 'query', req.query, 'query'),
      body: parse(route, 'body', req.body, 'body'),
      principal,
      ip: 'cli',
      via: 'cli',
      deps: {
        db: deps.db,
        client: undefined as unknown as Client,
        today: deps.today,
        workflowTimeoutMs: 0,
        logError: (m, e) => io.err(`${m}: ${String(e)}`),
      },
    });
    io.out(JSON.stringify(out, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof Problem) {
      const at = cliWhere(e.where, req ?? { operationId: '', flags: new Map(), write: false });
      const detail = e.detail.replace(/(^|; )body\.?/g, '$1');
      io.err(`error: ${e.title.toLowerCase()}${at ? ` at ${at}` : ''}: ${detail}`);
      return e.status === 404 ? 4 : e.status === 409 ? 3 : 2;
    }
    if (
      e instanceof CliError ||
      (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
