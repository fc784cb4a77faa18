/**
 * Free-text command-line arguments (`--by`, `--note`, `--reason`, `--item`, `--label`): checked with
 * the same rule as every other door (src/domain/text.ts), so a value PostgreSQL cannot store is
 * refused here, naming the flag, before anything is sent or written.
 */
import { findUnstorable, unstorableMessage } from '../domain/text';

/** The argument trimmed, or undefined when absent; throws an Error naming the flag when it cannot be stored or is too long. */
export function cliText(flag: string, value: string | undefined, max = 2000): string | undefined {
  if (value === undefined) return undefined;
  const u = findUnstorable(value);
  if (u) throw new Error(`--${flag} ${unstorableMessage(u)}`);
  const v = value.trim();
  if (v.length > max) throw new Error(`--${flag} must be at most ${max} characters`);
  return v;
}
