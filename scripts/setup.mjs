#!/usr/bin/env node
// Installs whatever is missing, using only the project's own files:
//   1. npm dependencies (npm ci; install scripts approved in package.json "allowScripts")
//   2. the Temporal CLI (dev server + UI) built with `go install` into .tools/bin
//   3. the classpath of Temporal's time-skipping test server, resolved with Maven
//   4. for tests: Debian's chromium (apt-get) for the browser tests
//   5. for the cluster topology and its test (docs/cluster.md): temporal-server,
//      temporal-sql-tool and temporal-ui-server, built with `go install` into .tools/bin
// Each step is skipped when its result is already there.
// Usage: node scripts/setup.mjs [--for=start|test|cluster]   (SKIP_TEMPORAL_CLUSTER=1: no step 5 for tests)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const purpose = (process.argv.find((a) => a.startsWith('--for=')) ?? '--for=test').slice(6);
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** The server release CLI v1.5.1 embeds, and the UI server it embeds (its go.mod). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
const toolsBin = path.join(root, '.tools', 'bin');

function log(msg) {
  process.stdout.write(`[setup] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd} could not be started: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
  return ((Date.now() - t0) / 1000).toFixed(1);
}

function has(cmd) {
  return (
    spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0 ||
    spawnSync(cmd, ['version'], { stdio: 'ignore' }).status === 0
  );
}

function npmDeps() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)…');
  const secs = run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  log(`npm dependencies installed in ${secs}s`);
}

function temporalCli() {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`TEMPORAL_CLI_PATH=${override} does not exist`);
    return;
  }
  const bin = path.join(toolsBin, 'temporal');
  if (existsSync(bin)) return;
  if (!has('go')) {
    throw new Error(
      'The Temporal CLI is missing and Go is not installed. Install Go, or set TEMPORAL_CLI_PATH to a temporal binary, or TEMPORAL_ADDRESS to a running cluster.',
    );
  }
  mkdirSync(toolsBin, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first time only, a few minutes)…`);
  const secs = run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: toolsBin, GOFLAGS: '-buildvcs=false' },
  });
  log(`Temporal CLI built in ${secs}s: ${bin}`);
}

/**
 * The production-shaped Temporal server (docs/cluster.md), from the server module itself: each
 * `go install` writes its binary (named after its package: `server`, `sql`) into a directory of
 * its own, then it is moved into .tools/bin under the name the project uses.
 */
const CLUSTER_BINARIES = [
  ['temporal-server', `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, 'server'],
  ['temporal-sql-tool', `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, 'sql'],
  [
    'temporal-ui-server',
    `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`,
    'server',
  ],
];

function clusterBinaries() {
  const missing = CLUSTER_BINARIES.filter(([name]) => !existsSync(path.join(toolsBin, name)));
  if (missing.length === 0) return;
  if (!has('go')) {
    throw new Error(
      `${missing.map(([n]) => n).join(', ')} missing and Go is not installed: install Go, or point TEMPORAL_ADDRESS at a running cluster (docs/cluster.md).`,
    );
  }
  mkdirSync(toolsBin, { recursive: true });
  for (const [name, pkg, built] of missing) {
    const gobin = mkdtempSync(path.join(root, '.tools', `build-${name}-`));
    try {
      log(`building ${name} (go install ${pkg}; first time only, a few minutes)…`);
      const secs = run('go', ['install', pkg], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false' },
      });
      renameSync(path.join(gobin, built), path.join(toolsBin, name));
      log(`${name} built in ${secs}s`);
    } finally {
      rmSync(gobin, { recursive: true, force: true });
    }
  }
}

function testServer() {
  const cpFile = path.join(root, '.tools', 'test-server.classpath');
  if (existsSync(cpFile)) {
    const jars = readFileSync(cpFile, 'utf8').trim().split(path.delimiter);
    if (jars.length > 0 && jars.every((j) => existsSync(j))) return;
  }
  if (!has('java'))
    throw new Error('Java (17+) is needed for the time-skipping test server and was not found.');
  if (!has('mvn'))
    throw new Error('Maven is needed to fetch the time-skipping test server and was not found.');
  mkdirSync(path.dirname(cpFile), { recursive: true });
  log('resolving the time-skipping test server from Maven Central…');
  const secs = run('mvn', [
    '-q',
    '-B',
    '-f',
    path.join(root, 'temporal-config', 'test-server-pom.xml'),
    'dependency:build-classpath',
    `-Dmdep.outputFile=${cpFile}`,
  ]);
  log(`test server resolved in ${secs}s`);
}

/**
 * Debian's Chromium for the browser tests (never a browser download). Installed with apt as
 * root; elsewhere the browser tests report themselves skipped and say why.
 */
function chromium() {
  if (existsSync('/usr/bin/chromium') || process.env.SKIP_CHROMIUM) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    log('Chromium is not installed (apt-get install chromium as root); browser tests will be skipped');
    return;
  }
  log('installing Debian chromium for the browser tests (apt-get, first time only)…');
  try {
    run('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    const secs = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    log(`chromium installed in ${secs}s`);
  } catch (e) {
    log(`could not install chromium (${e.message}); browser tests will be skipped`);
  }
}

try {
  npmDeps();
  if (purpose === 'test' || !process.env.TEMPORAL_ADDRESS) temporalCli();
  if (purpose === 'test') testServer();
  if (purpose === 'test') chromium();
  if (purpose === 'cluster' || (purpose === 'test' && !process.env.SKIP_TEMPORAL_CLUSTER)) clusterBinaries();
} catch (err) {
  process.stderr.write(`[setup] ${err.message}\n`);
  process.exit(1);
}
