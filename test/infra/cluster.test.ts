/**
 * The cluster topology's pieces without a running server: shard sizing, the PostgreSQL URL's
 * parts, the configuration's edge checks, and temporal-config/cluster/ as temporal-server itself
 * renders and validates it (the real binary; skipped only when SKIP_TEMPORAL_CLUSTER left it unbuilt).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT_DIR, loadConfig } from '../../src/config';
import { defaultHistoryShards } from '../../src/infra/cluster';
import { TEMPORAL_SERVER_VERSION, clusterBinaryPath, pgEndpoint } from '../../src/infra/cluster-schema';

const server = clusterBinaryPath('temporal-server');
const noServer =
  !existsSync(server) && process.env.SKIP_TEMPORAL_CLUSTER ? 'temporal-server not built' : false;

describe('cluster topology', () => {
  it('history shards: 4 per core, a power of two, from 4 to 512', () => {
    assert.equal(defaultHistoryShards(1), 4);
    assert.equal(defaultHistoryShards(2), 8);
    assert.equal(defaultHistoryShards(3), 16);
    assert.equal(defaultHistoryShards(16), 64);
    assert.equal(defaultHistoryShards(500), 512);
  });

  it('reads host, port, user, password and TLS from a PostgreSQL URL', () => {
    assert.deepEqual(pgEndpoint('postgres://ops%40zoe:p%2Fw%3A1@db.internal:6543/x?sslmode=require'), {
      host: 'db.internal',
      port: '6543',
      user: 'ops@zoe',
      password: 'p/w:1',
      tls: true,
    });
    assert.equal(pgEndpoint('postgresql://u@127.0.0.1/x').port, '5432');
    assert.throws(() => pgEndpoint('mysql://u@h/x'), /not a postgres/);
    assert.throws(() => pgEndpoint('postgres://h/x'), /names no user/);
  });

  it('builds the server release the setup builds', () => {
    const setup = readFileSync(path.join(ROOT_DIR, 'scripts', 'setup.mjs'), 'utf8');
    assert.match(
      setup,
      new RegExp(`TEMPORAL_SERVER_VERSION = '${TEMPORAL_SERVER_VERSION.replace('.', '\\.')}'`),
    );
  });

  it('refuses membership ports above 32767 and an unknown server kind, naming the variable', () => {
    assert.throws(
      () => loadConfig({ TEMPORAL_CLUSTER_MEMBERSHIP_PORT: '40000', TEMPORAL_SERVER: 'prod' }),
      (e: Error) =>
        /TEMPORAL_CLUSTER_MEMBERSHIP_PORT: /.test(e.message) && /TEMPORAL_SERVER: /.test(e.message),
    );
    const cfg = loadConfig({ TEMPORAL_SERVER: 'cluster', TEMPORAL_CLUSTER_PORT: '42000' });
    assert.equal(cfg.TEMPORAL_SERVER, 'cluster');
    assert.equal(cfg.TEMPORAL_CLUSTER_MEMBERSHIP_PORT, 6933);
  });

  it(
    'temporal-server renders temporal-config/cluster/production.yaml from the environment',
    { skip: noServer },
    () => {
      const r = spawnSync(
        server,
        ['--root', ROOT_DIR, '--config', 'temporal-config/cluster', '--env', 'production', 'render-config'],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            TEMPORAL_CLUSTER_PORT: '17233',
            TEMPORAL_CLUSTER_MEMBERSHIP_PORT: '16933',
            TEMPORAL_PG_HOST: 'db.internal',
            TEMPORAL_PG_PORT: '6543',
            TEMPORAL_PG_USER: 'temporal',
            TEMPORAL_PG_PASSWORD: 'a "quoted" pass',
            TEMPORAL_DB: 'tdb',
            TEMPORAL_VISIBILITY_DB: 'tvis',
            TEMPORAL_NUM_HISTORY_SHARDS: '16',
            TEMPORAL_PG_TLS: '1',
          },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const out = r.stdout;
      assert.match(out, /numHistoryShards: 16/);
      assert.match(out, /connectAddr: db\.internal:6543/);
      assert.match(out, /databaseName: tdb/);
      assert.match(out, /databaseName: tvis/);
      assert.match(out, /user: temporal/); // (the password is masked in the rendering)
      assert.match(out, /pluginName: postgres12/);
      for (const p of [
        'grpcPort: 17233',
        'grpcPort: 17234',
        'grpcPort: 17235',
        'grpcPort: 17236',
        'httpPort: 17237',
      ])
        assert.ok(out.includes(p), p);
      for (const p of [16933, 16934, 16935, 16936])
        assert.ok(out.includes(`membershipPort: ${p}`), String(p));
      assert.match(out, /listenAddress: 127\.0\.0\.1:17238/);
      assert.match(out, /enabled: true/); // TLS to PostgreSQL
    },
  );

  it('temporal-server accepts the dynamic config file', { skip: noServer }, () => {
    const file = path.join(ROOT_DIR, 'temporal-config', 'cluster', 'dynamicconfig.yaml');
    const r = spawnSync(server, ['validate-dynamic-config', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // An unknown key or a value of the wrong type is a warning there: none.
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /warning|unregistered|invalid|error/i);
  });
});
