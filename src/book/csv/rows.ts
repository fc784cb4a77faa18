/**
 * Import, first pass: every row of every file checked on its own (each cell against the book's
 * own schemas, src/domain/config/) and against the other rows of its file (a key twice, a model
 * without targets, targets that do not add up). No database: what the book holds is checked when
 * the rows are applied (./import.ts).
 */
import { z } from 'zod';
import { CreateAccountInput } from '../../domain/config/account';
import { EngineSettings } from '../../domain/config/engine-settings';
import { AccountStatus, HouseholdId, ModelId, text } from '../../domain/config/fields';
import { ModelTarget, targetIssues } from '../../domain/config/model';
import { CashFlowInput, OpeningCash, OpeningLot } from '../../domain/config/opening';
import { AdvisorInput } from '../../domain/config/people';
import { RestrictionInput } from '../../domain/config/restriction';
import { SecurityInput } from '../../domain/config/security';
import { COLUMNS, type Kind, columnOf, inputOf } from './formats';
import type { ImportError, Row } from './table';

const ModelRow = z
  .object({
    id: ModelId,
    name: text(200, 'a name'),
    note: text(2000, 'a note').optional(),
    settings: EngineSettings.optional(),
  })
  .strict();
const TargetRow = ModelTarget.extend({ modelId: ModelId }).strict();
const HouseholdRow = z.object({ id: HouseholdId, name: text(200, 'a name') }).strict();

/** Drops the key `status` before the account schema sees it (it is the row's, not the API's). */
const ACCOUNT = z
  .record(z.unknown())
  .transform((r) => {
    const { status, ...rest } = r;
    return { status, rest };
  })
  .pipe(z.object({ status: AccountStatus.optional(), rest: CreateAccountInput }))
  .transform(({ status, rest }) => ({ ...rest, ...(status ? { status } : {}) }));

export const ROW_SCHEMAS: Record<Kind, z.ZodTypeAny> = {
  advisors: AdvisorInput,
  securities: SecurityInput,
  households: HouseholdRow,
  models: ModelRow,
  'model-targets': TargetRow,
  accounts: ACCOUNT,
  restrictions: RestrictionInput,
  positions: OpeningLot,
  cash: OpeningCash,
  'cash-flows': CashFlowInput,
};

/** What identifies a row of each kind (a repeat of it in a file is a mistake). */
export const KEY: Record<Kind, (v: Record<string, unknown>) => string> = {
  advisors: (v) => String(v.id),
  securities: (v) => String(v.symbol),
  households: (v) => String(v.id),
  models: (v) => String(v.id),
  'model-targets': (v) => `${v.modelId} ${v.symbol}`,
  accounts: (v) => String(v.id),
  restrictions: (v) =>
    [v.scope, v.accountId ?? '', v.advisorId ?? '', v.symbol, v.kind, v.startsOn ?? ''].join(' '),
  positions: (v) => String(v.lotId),
  cash: (v) => String(v.accountId),
  'cash-flows': (v) => String(v.id),
};

/** The column a key is in (where a repeat is reported). */
const KEY_COLUMN: Record<Kind, string> = {
  advisors: 'advisor_id',
  securities: 'symbol',
  households: 'household_id',
  models: 'model_id',
  'model-targets': 'symbol',
  accounts: 'account_id',
  restrictions: 'symbol',
  positions: 'lot_id',
  cash: 'account_id',
  'cash-flows': 'flow_id',
};
export const keyColumn = (k: Kind) => KEY_COLUMN[k];

export interface ParsedRow {
  kind: Kind;
  file: string;
  line: number;
  value: Record<string, unknown>;
}

/** Checks the rows of one file; returns the good ones and an error for each mistake found. */
export function parseRows(
  kind: Kind,
  file: string,
  rows: Row[],
): { parsed: ParsedRow[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const parsed: ParsedRow[] = [];
  const seen = new Map<string, number>();
  const firstColumn = COLUMNS[kind][0]!.name;
  for (const r of rows) {
    const res = ROW_SCHEMAS[kind].safeParse(inputOf(kind, r.cells));
    if (!res.success) {
      for (const i of res.error.issues) {
        const path = i.path.filter((p) => p !== 'rest').join('.');
        const keys = i.code === 'unrecognized_keys' ? i.keys : [undefined];
        for (const k of keys) {
          const at = k ? (path ? `${path}.${k}` : k) : path;
          errors.push({
            file,
            line: r.line,
            column: columnOf(kind, at) ?? firstColumn,
            message: i.message === 'Required' ? 'is required: the cell is empty' : i.message,
          });
        }
      }
      continue;
    }
    const key = KEY[kind](res.data);
    const before = seen.get(key);
    if (before !== undefined) {
      errors.push({
        file,
        line: r.line,
        column: KEY_COLUMN[kind],
        message: `repeats line ${before} (${key})`,
      });
      continue;
    }
    seen.set(key, r.line);
    parsed.push({ kind, file, line: r.line, value: res.data });
  }
  if (kind === 'accounts') {
    const numbers = new Map<string, number>();
    const repeats = new Set<ParsedRow>();
    for (const p of parsed) {
      const n = String(p.value.custodianAccountNumber);
      const at = numbers.get(n);
      if (at !== undefined) {
        errors.push({
          file,
          line: p.line,
          column: 'custodian_account_number',
          message: `is account number ${n} of line ${at} too`,
        });
        repeats.add(p);
      } else numbers.set(n, p.line);
    }
    return { parsed: parsed.filter((p) => !repeats.has(p)), errors };
  }
  return { parsed, errors };
}

/** Models and their targets as one version each; a model without targets, or targets that do not add up, are errors. */
export function groupModels(
  models: ParsedRow[],
  targets: ParsedRow[],
  targetsFile: string | undefined,
  /** Models whose row in models.csv is refused already (their targets are not reported again). */
  refused: ReadonlySet<string> = new Set(),
): { versions: Map<string, { model: ParsedRow; targets: ParsedRow[] }>; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const versions = new Map<string, { model: ParsedRow; targets: ParsedRow[] }>();
  for (const m of models) versions.set(String(m.value.id), { model: m, targets: [] });
  for (const t of targets) {
    const v = versions.get(String(t.value.modelId));
    if (!v && refused.has(String(t.value.modelId))) continue;
    if (!v) {
      errors.push({
        file: t.file,
        line: t.line,
        column: 'model_id',
        message: `model ${t.value.modelId} has no row in models.csv`,
      });
    } else v.targets.push(t);
  }
  for (const [id, v] of versions) {
    if (v.targets.length === 0) {
      errors.push({
        file: v.model.file,
        line: v.model.line,
        column: 'model_id',
        message: `model ${id} has no targets${targetsFile ? ` in ${targetsFile}` : ' (model-targets.csv is missing)'}`,
      });
      versions.delete(id);
      continue;
    }
    const issues = targetIssues(v.targets.map((t) => t.value as ModelTarget));
    for (const i of issues) {
      const at = typeof i.path[1] === 'number' ? v.targets[i.path[1]]! : v.targets[0]!;
      const column = i.path[2] === 'alternates' ? 'alternates' : i.path.length > 1 ? 'symbol' : 'weight';
      errors.push({ file: at.file, line: at.line, column, message: `model ${id}: ${i.message}` });
    }
    if (issues.length) versions.delete(id);
  }
  return { versions, errors };
}
