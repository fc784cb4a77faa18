/**
 * The audit log from the command line (read only; the CLI reads as ops):
 *
 *   audit [--entity E] [--id ID] [--actor A] [--action X] [--since YYYY-MM-DD] [--limit N]
 *
 * Newest first, one line per row: when, who, the action, the entity, through what (`via`: api,
 * cli, import with its file and line, custodian, seed, or the system's own steps) and, with
 * `--details`, the row's details (before and after) as JSON. `--limit` defaults to 50 (at most
 * 1,000). What the rows mean: docs/configuration-book.md#the-audit-log.
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { z } from 'zod';
import { cliText } from './args';

export interface AuditCliDeps {
  db: Knex;
}

export interface AuditCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE =
  'usage: audit [--entity E] [--id ID] [--actor A] [--action X] [--since YYYY-MM-DD] [--limit N] [--details]';

const Filters = z.object({
  entity: z.string().min(1).max(100).optional(),
  id: z.string().min(1).max(200).optional(),
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .regex(/^[A-Z0-9_]{1,100}$/, '--action is an action name such as MODEL_VERSION_PUBLISHED')
    .optional(),
  since: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, '--since must be YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), '--since is not a date')
    .optional(),
  limit: z.coerce
    .number({ message: '--limit must be a whole number' })
    .int('--limit must be a whole number')
    .min(1, '--limit must be at least 1')
    .max(1000, '--limit must be at most 1000')
    .default(50),
  details: z.boolean().optional(),
});

interface AuditRow {
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  details: Record<string, unknown> | null;
}

/** Where a row came from, in a few words: `via import (firm/accounts.csv line 3)`, `via api`. */
function through(d: Record<string, unknown> | null): string {
  const via = typeof d?.via === 'string' ? d.via : 'system';
  const where = typeof d?.file === 'string' ? ` (${d.file}${d.line ? ` line ${d.line}` : ''})` : '';
  return `via ${via}${where}`;
}

/** Runs `audit …`; returns the exit code (2: a wrong argument). */
export async function runAuditCommand(deps: AuditCliDeps, argv: string[], io: AuditCliIo): Promise<number> {
  let f: z.infer<typeof Filters>;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        entity: { type: 'string' },
        id: { type: 'string' },
        actor: { type: 'string' },
        action: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        details: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1 || positionals[0] !== 'audit') throw new Error(USAGE);
    const parsed = Filters.safeParse({
      ...values,
      entity: cliText('entity', values.entity, 100),
      id: cliText('id', values.id, 200),
      actor: cliText('actor', values.actor, 200),
    });
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
    f = parsed.data;
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    return 2;
  }
  const q = deps.db<AuditRow>('audit_log').orderBy('id', 'desc').limit(f.limit);
  if (f.entity) q.where('entity', f.entity);
  if (f.id) q.where('entity_id', f.id);
  if (f.actor) q.where('actor', f.actor);
  if (f.action) q.where('action', f.action);
  if (f.since) q.where('at', '>=', `${f.since}T00:00:00Z`);
  const rows = await q.select('at', 'actor', 'action', 'entity', 'entity_id', 'details');
  for (const r of rows) {
    io.out(
      `${r.at.toISOString()}  ${r.actor}  ${r.action}  ${r.entity}/${r.entity_id}  ${through(r.details)}`,
    );
    if (f.details) io.out(`    ${JSON.stringify(r.details)}`);
  }
  io.out(
    `${rows.length} row${rows.length === 1 ? '' : 's'}${rows.length === f.limit ? ` (--limit ${f.limit})` : ''}`,
  );
  return 0;
}
