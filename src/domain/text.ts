/**
 * Free text that PostgreSQL can store: the one building block for every note, reason, label and
 * name that reaches the database or a workflow (the API, the workflows' message validators, the
 * CSV import, the CLI; the custodian's files are checked by the same rule in
 * src/custodian/files/text.ts).
 *
 * PostgreSQL cannot store U+0000 (NUL) in `text` (error 22021) or in `jsonb` (22P05), and `jsonb`
 * refuses an unpaired UTF-16 surrogate (`"\ud800"`, 22P05; in `text` the driver would silently
 * turn it into U+FFFD). A value holding one would be accepted, then fail at every attempt to
 * record it: such values are refused at the edge, naming the field and the character's position.
 * Pure (zod only): workflows import it.
 */
import { z } from 'zod';

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is refused
const UNSTORABLE_RE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface Unstorable {
  /** 0-based index of the character in the string (UTF-16 code units). */
  index: number;
  /** What the character is and why it cannot be kept. */
  what: string;
}

/** The first character PostgreSQL cannot store, or undefined when the string can be stored. */
export function findUnstorable(s: string): Unstorable | undefined {
  const m = UNSTORABLE_RE.exec(s);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  const what =
    code === 0
      ? 'U+0000 (NUL), which PostgreSQL cannot store'
      : `an unpaired UTF-16 surrogate (U+${code.toString(16).toUpperCase()}), which is not Unicode text`;
  return { index: m.index, what };
}

/** The message for an unstorable character: 'must not contain U+0000 (NUL), … (character 4)'. */
export function unstorableMessage(u: Unstorable): string {
  return `must not contain ${u.what} (character ${u.index + 1})`;
}

/** A zod refinement refusing what PostgreSQL cannot store (for a schema built another way). */
export function refineStorable(s: string, ctx: z.RefinementCtx): void {
  const u = findUnstorable(s);
  if (u) ctx.addIssue({ code: z.ZodIssueCode.custom, message: unstorableMessage(u) });
}

export interface StorableTextOptions {
  /** Most characters (after trimming, when trimmed). */
  max: number;
  /** Fewest characters (default 0); 1 makes an empty (or blank, when trimmed) value an error. */
  min?: number;
  /** Trim white space before the length checks (default false). */
  trim?: boolean;
  /** The message when the value is shorter than `min` (default "must not be empty"). */
  emptyMessage?: string;
  /** The message when the field is missing. */
  requiredMessage?: string;
}

/** A string PostgreSQL can store, with length bounds (checked after trimming when `trim`). */
export function storableText(o: StorableTextOptions) {
  let s = z.string(o.requiredMessage ? { required_error: o.requiredMessage } : undefined);
  if (o.trim) s = s.trim();
  if (o.min) s = s.min(o.min, o.emptyMessage ?? (o.min === 1 ? 'must not be empty' : undefined));
  s = s.max(o.max, `must be at most ${o.max} characters`);
  return s.superRefine(refineStorable);
}
