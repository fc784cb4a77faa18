import type { Knex } from 'knex';
import type { CustodianPort } from '../custodian/port';
import type { NotifySettings } from '../notifications/kinds';
import type { MailTransport } from '../notifications/mailer';
import type { Notifier } from './notifier';

/** What every activity is bound to: the database, the custodian port, files, policy. */
export interface ActivityDeps {
  db: Knex;
  custodian: CustodianPort;
  dropDir: string;
  correspondent: string;
  /** The custodian account block orders execute in before allocation (default ZOEAVG01). */
  averagePriceAccount?: string;
  /** Custodian allocation bookings in flight at once per block (CUSTODIAN_ALLOCATION_CONCURRENCY, default 8). */
  allocationConcurrency?: number;
  /** Where notifications go (a log line by default; see notifier.ts). */
  notifier?: Notifier;
  /** E-mail through SMTP (unset: no e-mail rows are written); see docs/notifications.md. */
  mail?: { transport: MailTransport; from: string };
  /** Who hears what, reminders, digests and the links in messages (defaults: DEFAULT_NOTIFY_SETTINGS). */
  notify?: NotifySettings;
  /** Review policy for auto accounts. */
  policy?: { autoReviewMaxLegUsd?: string };
  /** DECISION_SIGNING_KEY: decisions must be signed with it (./decision-auth.ts, docs/security.md). */
  decisionSigningKey?: string;
}
