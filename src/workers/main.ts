import { channelsOf } from '../activities/notifications';
/**
 * A standalone worker process (`npm run worker`): for deployments where workers run apart
 * from the rest. Start as many as you like on the same task queue; they share the work.
 */
import { activityPolicy, loadConfig, workerCustodian, workerTuning } from '../config';
import { createKnex } from '../db/knex';
import { connectNative, localTemporalAddress } from '../infra/temporal';
import { startDispatcher } from '../notifications/dispatcher';
import { watchCalendarCoverage } from './calendar-watch';
import { installWorkerRuntime } from './runtime';
import { createTradingWorker } from './worker';

async function main() {
  const cfg = loadConfig();
  // JSON log lines on stdout (LOG_FILE elsewhere) and the SDK's /metrics (docs/observability.md).
  installWorkerRuntime(cfg, { defaultLogTarget: '-' });
  if (!cfg.DATABASE_URL) throw new Error('DATABASE_URL is required for a standalone worker');
  if (!cfg.CUSTODIAN_URL) throw new Error('CUSTODIAN_URL is required for a standalone worker');
  const db = createKnex(cfg.DATABASE_URL, { max: cfg.DB_POOL_MAX });
  const connection = await connectNative(cfg, cfg.TEMPORAL_ADDRESS ?? localTemporalAddress(cfg));
  const stopWatch = watchCalendarCoverage({ warn: (m) => console.warn(`[worker] WARNING ${m}`) });
  const deps = {
    db,
    custodian: workerCustodian(cfg, cfg.CUSTODIAN_URL),
    dropDir: cfg.custodianDropDir,
    correspondent: cfg.CUSTODIAN_CORRESPONDENT,
    averagePriceAccount: cfg.CUSTODIAN_AVG_PRICE_ACCOUNT,
    ...activityPolicy(cfg),
  };
  const worker = await createTradingWorker({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    taskQueue: cfg.TASK_QUEUE,
    ...workerTuning(cfg),
    deps,
  });
  // The notifications outbox's dispatcher (docs/notifications.md) runs beside every worker.
  const dispatcher = startDispatcher(db, channelsOf(deps), {
    intervalMs: cfg.NOTIFY_DISPATCH_SECONDS * 1000,
    onError: (e) => console.error('[notifications]', e),
  });
  await worker.run();
  stopWatch();
  await dispatcher.stop();
  deps.mail?.transport.close();
  await connection.close();
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
