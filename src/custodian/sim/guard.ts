/**
 * What every request to the simulated custodian passes before its route (docs/security.md,
 * "The simulator's token"), so that a web page open in a developer's browser cannot drive a
 * local stack (inject faults, send orders) through it:
 *
 * - a Host allow-list (localhost, 127.0.0.1, [::1] and the configured names): anything else is
 *   421, which stops DNS rebinding;
 * - JSON bodies only: a request with a body, or a content type, that is not application/json is
 *   415 (a browser cannot send application/json cross-origin without a preflight the simulator
 *   never grants);
 * - the simulator's own token, `Authorization: Bearer <token>`, on the control routes
 *   (/sim/v1/…) and the hand-written client's order, allocation and withdrawal routes. The
 *   Ascend dialect has its own credentials (service-account token and API key, ./auth.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { SimError } from './errors';

export const DEFAULT_SIM_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The host name of a Host header, lower-case, without its port ("[::1]" keeps its brackets). */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0] ?? '';
}

export class SimGuard {
  private readonly hosts: Set<string>;
  private readonly token: Buffer;

  constructor(token: string, allowedHosts: readonly string[] = []) {
    if (token.length < 16) throw new Error('the simulator token must be at least 16 characters');
    this.token = Buffer.from(token, 'utf8');
    this.hosts = new Set([...DEFAULT_SIM_HOSTS, ...allowedHosts.map((h) => hostName(h))]);
  }

  /** 421 unless the Host header names an allowed host. */
  checkHost(req: http.IncomingMessage): void {
    const host = req.headers.host;
    if (!host || !this.hosts.has(hostName(host)))
      throw new SimError(
        421,
        'MISDIRECTED_REQUEST',
        `Host ${host ?? '(none)'} is not served here (allowed: ${[...this.hosts].join(', ')}; CUSTODIAN_SIM_ALLOWED_HOSTS adds names)`,
      );
  }

  /** 415 when the request carries a body or a content type that is not JSON. */
  checkContentType(req: http.IncomingMessage): void {
    const type = req.headers['content-type'];
    const length = req.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (type === undefined ? hasBody : !/^application\/json\s*(;|$)/i.test(type))
      throw new SimError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `the simulator takes application/json bodies only, not ${type ?? 'a body without a content type'}`,
      );
  }

  /** Whether the request carries the simulator's token. */
  isSimCaller(req: http.IncomingMessage): boolean {
    const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return false;
    const given = Buffer.from(m[1], 'utf8');
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  /** 401 unless the request carries the simulator's token. */
  requireSimCaller(req: http.IncomingMessage): void {
    if (!this.isSimCaller(req))
      throw new SimError(
        401,
        'UNAUTHENTICATED',
        "this route needs the simulator's token: Authorization: Bearer <CUSTODIAN_SIM_TOKEN>",
      );
  }
}
