/** What the simulated custodian answers when it refuses a request: an HTTP status, a code, a reason. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
