/** Helpers of the simulator tests: a morning file read back with its parser, a simulator-only POST. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type FileCode,
  type RowOf,
  fileName,
  formatFileError,
  parseCustodianFile,
} from '../../src/custodian/files';

/** The rows of a morning file in `dir`, read by its parser; fails the test on any file error. */
export function fileRows<C extends FileCode>(dir: string, code: C, date: string): RowOf<C>[] {
  const name = fileName(code, date, 'ZOE');
  const res = parseCustodianFile(code, readFileSync(path.join(dir, name)), name);
  if (!res.ok) assert.fail(res.errors.map(formatFileError).join('\n'));
  return res.rows as RowOf<C>[];
}

/** A JSON POST to the simulator, answered with its status and JSON body. */
export async function simPost(
  baseUrl: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
