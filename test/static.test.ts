/** The whole tree type-checks under strict TypeScript and passes the one linter/formatter (Biome). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

describe('static checks', () => {
  it('tsc --noEmit (strict) reports no errors', () => {
    const r = spawnSync(bin('tsc'), ['--noEmit', '-p', root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
  it('biome check (format + lint) is clean', () => {
    const r = spawnSync(
      bin('biome'),
      ['check', 'src', 'test', 'scripts', 'migrations', 'temporal-config', 'bench'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
