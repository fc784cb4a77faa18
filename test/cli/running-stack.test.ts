/**
 * A CLI command run next to `npm start` finds the stack's embedded PostgreSQL by itself (from the
 * server's state file in the data directory) instead of failing to start a second one on the same
 * data ("embedded PostgreSQL did not start on port …"), and leaves it running when it is done.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../src/config';
import {
  type RunningPostgres,
  attachRunningPostgres,
  databaseUrl,
  freePort,
  startEmbeddedPostgres,
} from '../../src/infra/postgres';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

describe('the CLI next to a running stack', () => {
  let dataDir: string;
  let port: number;
  let server: RunningPostgres;

  before(async () => {
    // Under the project's data directory (as the test run's own server): readable by the
    // `postgres` user PostgreSQL runs as when the tests run as root, unlike a private temp dir.
    dataDir = path.join(loadConfig().DATA_DIR, `cli-stack-${process.pid}`);
    rmSync(dataDir, { recursive: true, force: true });
    port = await freePort();
    // What `npm start` runs: the embedded PostgreSQL on DATA_DIR/pg.
    server = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the running server from its state file; none when nothing runs there', async () => {
    const found = await attachRunningPostgres(path.join(dataDir, 'pg'));
    assert.equal(found?.port, port);
    assert.equal(await attachRunningPostgres(path.join(dataDir, 'elsewhere')), undefined);
  });

  it('`advisor token create` works while the stack runs, without DATABASE_URL, and leaves the server up', async () => {
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(port),
    };
    const out = await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(ROOT, 'src', 'cli', 'main.ts'),
        'advisor',
        'token',
        'create',
        '--role',
        'ops',
        '--label',
        'from the cli',
      ],
      { cwd: ROOT, env, timeout: 120_000 },
    );
    const id = /token (tok_[0-9a-f]+)/.exec(out.stdout)?.[1];
    assert.ok(id, `stdout: ${out.stdout}\nstderr: ${out.stderr}`);
    // The token is in the running server's database, which still answers.
    const client = new pg.Client({ connectionString: databaseUrl(server.adminUrl, 'zoe') });
    await client.connect();
    try {
      const r = await client.query('SELECT label FROM api_tokens WHERE id = $1', [id]);
      assert.equal(r.rows[0]?.label, 'from the cli');
    } finally {
      await client.end();
    }
  });
});
