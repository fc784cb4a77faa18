import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureSearchAttributes, temporalCliPath, testServerPath } from '../../src/infra/temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/search-attributes';

/** Temporal's time-skipping test server (Java, resolved from Maven Central by the setup). */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  await ensureSearchAttributes(env.connection, 'default');
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
