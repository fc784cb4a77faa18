/**
 * A process that delivers one outbox row and dies at a chosen point, for the outbox's crash tests:
 * `node --import tsx test/support/crash-send.ts '<json>'` with { databaseUrl, smtpPort, rowId, dieAt }.
 * `dieAt: "after-accept"` kills the process (SIGKILL, no clean-up) right after the SMTP server
 * answered 250 and before SENT is written; `"before-claim"` kills it once connected, before the row
 * is claimed and before anything reaches the server.
 */
import { createKnex } from '../../src/db/knex';
import { smtpTransport } from '../../src/notifications/mailer';
import { deliver } from '../../src/notifications/outbox';

async function main() {
  const o = JSON.parse(process.argv[2] ?? '{}') as {
    databaseUrl: string;
    smtpPort: number;
    rowId: number;
    dieAt: 'after-accept' | 'before-claim';
  };
  const db = createKnex(o.databaseUrl, { max: 2 });
  const real = smtpTransport({
    host: '127.0.0.1',
    port: o.smtpPort,
    tls: 'none',
    from: 'Zoe <zoe@example.com>',
  });
  const die = () => process.kill(process.pid, 'SIGKILL');
  await deliver(
    db,
    {
      notifier: async () => {},
      mail: {
        from: 'Zoe <zoe@example.com>',
        transport: {
          async send(m, hooks) {
            const r = await real.send(m, {
              beforeHandOver: async () => {
                if (o.dieAt === 'before-claim') die();
                await hooks?.beforeHandOver?.();
              },
            });
            die();
            return r;
          },
          close: () => real.close(),
        },
      },
    },
    o.rowId,
  );
  // Not reached: the process is killed inside deliver.
  process.stdout.write('survived\n');
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
