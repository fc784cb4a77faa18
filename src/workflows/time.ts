/** Workflow time (deterministic inside a workflow: the SDK fixes Date.now() per task). */

export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

/** Milliseconds from now until an ISO instant; 0 when it has passed. */
export function msUntil(instant: string): number {
  return Math.max(0, Date.parse(instant) - Date.now());
}
