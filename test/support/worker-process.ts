/**
 * A second worker process for tests: `node --import tsx test/support/worker-process.ts '<json>'`
 * with { address, databaseUrl, custodianUrl, custodianToken, dropDir, taskQueue, identity }. Prints "ready"
 * once polling; stops on SIGTERM.
 */
import { NativeConnection } from '@temporalio/worker';
import { HttpCustodian } from '../../src/custodian/http-client';
import { createKnex } from '../../src/db/knex';
import { createTradingWorker } from '../../src/workers/worker';

async function main() {
  const o = JSON.parse(process.argv[2] ?? '{}') as {
    address: string;
    databaseUrl: string;
    custodianUrl: string;
    custodianToken: string;
    dropDir: string;
    taskQueue: string;
    identity: string;
  };
  const db = createKnex(o.databaseUrl, { max: 4 });
  const connection = await NativeConnection.connect({ address: o.address });
  const worker = await createTradingWorker({
    connection,
    namespace: 'default',
    taskQueue: o.taskQueue,
    deps: {
      db,
      custodian: new HttpCustodian(o.custodianUrl, o.custodianToken),
      dropDir: o.dropDir,
      correspondent: 'ZOE',
    },
    maxConcurrentActivityTaskExecutions: 4,
    extra: { identity: o.identity },
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
  await connection.close();
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
