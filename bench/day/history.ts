/**
 * Workflow history sizes: events, and bytes as the protobuf-encoded `temporal.api.history.v1.History`
 * (what Temporal's history size limit counts is close to this) and as JSON (for reference).
 * Temporal's limits: 51,200 events and 50 MB; it warns at 10,240 events and 10 MB.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Knex } from 'knex';

export const LIMITS = { events: 51_200, bytes: 50 * 1024 * 1024 };

export interface HistorySize {
  workflowId: string;
  events: number;
  protoBytes: number;
  jsonBytes: number;
  /** Events by type (EVENT_TYPE_ left off), e.g. ACTIVITY_TASK_SCHEDULED: 3. */
  eventTypes: Record<string, number>;
}

export async function historySize(client: Client, workflowId: string): Promise<HistorySize> {
  const History = temporal.api.history.v1.History;
  const h = await client.workflow.getHandle(workflowId).fetchHistory();
  const bytes = History.encode(h).finish();
  // The SDK's historyToJSON is pinned to another protobufjs major here (see test/support/histories.ts):
  // JSON of the decoded message instead (camelCase names, base64 bytes, enums as names).
  const json = JSON.stringify(
    History.toObject(History.decode(bytes), { longs: String, enums: String, bytes: String }),
  );
  const eventTypes: Record<string, number> = {};
  for (const e of h.events ?? []) {
    const t = (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(
      /^EVENT_TYPE_/,
      '',
    );
    eventTypes[t] = (eventTypes[t] ?? 0) + 1;
  }
  return {
    workflowId,
    events: h.events?.length ?? 0,
    protoBytes: bytes.length,
    jsonBytes: Buffer.byteLength(json),
    eventTypes,
  };
}

export interface HistoryReport {
  /** The largest history by events, and by bytes, of those measured. */
  largestByEvents: Omit<HistorySize, 'eventTypes'>;
  largestByBytes: Omit<HistorySize, 'eventTypes'>;
  /** Largest as a share of Temporal's limits (target: under 10%). */
  pctOfEventLimit: number;
  pctOfSizeLimit: number;
  measured: {
    kind: string;
    count: number;
    maxEvents: number;
    maxProtoBytes: number;
    /** The events by type of the kind's largest history (the shapes of the trees compared). */
    largestEventTypes?: Record<string, number>;
  }[];
  bytesAre: string;
}

export async function measureHistories(
  client: Client,
  groups: { kind: string; ids: string[] }[],
): Promise<HistoryReport> {
  const all: HistorySize[] = [];
  const measured: HistoryReport['measured'] = [];
  for (const g of groups) {
    const sizes: HistorySize[] = [];
    for (let i = 0; i < g.ids.length; i += 8) {
      sizes.push(...(await Promise.all(g.ids.slice(i, i + 8).map((id) => historySize(client, id)))));
    }
    all.push(...sizes);
    measured.push({
      kind: g.kind,
      count: sizes.length,
      maxEvents: Math.max(0, ...sizes.map((s) => s.events)),
      maxProtoBytes: Math.max(0, ...sizes.map((s) => s.protoBytes)),
      largestEventTypes: sizes.reduce<HistorySize | undefined>(
        (a, b) => (a === undefined || b.events > a.events ? b : a),
        undefined,
      )?.eventTypes,
    });
  }
  const byEvents = all.reduce((a, b) => (b.events > a.events ? b : a));
  const byBytes = all.reduce((a, b) => (b.protoBytes > a.protoBytes ? b : a));
  const size = ({ eventTypes: _, ...s }: HistorySize) => s;
  return {
    largestByEvents: size(byEvents),
    largestByBytes: size(byBytes),
    pctOfEventLimit: Math.round((byEvents.events / LIMITS.events) * 10_000) / 100,
    pctOfSizeLimit: Math.round((byBytes.protoBytes / LIMITS.bytes) * 10_000) / 100,
    measured,
    bytesAre: 'protoBytes: protobuf-encoded History as fetched (payloads included); jsonBytes: JSON of it',
  };
}

/** The accounts with the most orders on the trade date (their AccountDay histories are the longest). */
export async function busiestAccounts(db: Knex, tradeDate: string, n: number): Promise<string[]> {
  const rows = await db('orders')
    .where({ trade_date: tradeDate })
    .groupBy('account_id')
    .select('account_id')
    .count('* as n')
    .orderBy('n', 'desc')
    .limit(n);
  return rows.map((r) => r.account_id as string);
}
