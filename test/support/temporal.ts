import { spawn } from 'node:child_process';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../src/infra/postgres';
import {
  ensureSearchAttributes,
  temporalCliPath,
  testServerPath,
  waitForTemporal,
} from '../../src/infra/temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';

/** The SDK's own constructor path, which `createTimeSkipping` uses after starting its server. */
type EnvFactory = {
  create(opts: {
    server: { type: 'existing' };
    address: string;
    supportsTimeSkipping: boolean;
    namespace: string;
    connectionOptions: Record<string, never>;
  }): Promise<TestWorkflowEnvironment>;
};

/**
 * Temporal's time-skipping test server (Java, resolved from Maven Central by the setup).
 * We start it ourselves and wait up to 60 s for it: the SDK's own launcher gives a JVM only
 * 5 s, which a loaded 2-core CI machine does not always meet. Then the environment attaches
 * to it with time skipping on, exactly as `createTimeSkipping` would.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const server = spawn(testServerPath(), [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForTemporal(server, address, 'the time-skipping test server');
  const env = await (TestWorkflowEnvironment as unknown as EnvFactory).create({
    server: { type: 'existing' },
    address,
    supportsTimeSkipping: true,
    namespace: 'default',
    connectionOptions: {},
  });
  await ensureSearchAttributes(env.connection, 'default');
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    await teardown();
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  };
  return env;
}

/** The real Temporal dev server (Go CLI built by the setup), with our search attributes. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: {
        type: 'existing-path',
        path: temporalCliPath({ TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH }),
      },
      searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
      extraArgs: ['--log-level', 'error'],
    },
  });
}
