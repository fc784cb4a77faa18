/**
 * The advisor API's limits and timeouts (docs/security.md, "Limits and timeouts"), with their
 * defaults, how they map onto Fastify and node:http, and how they come from the environment
 * (src/config.ts: API_* variables, docs/configuration.md).
 */
import type http from 'node:http';
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  type AuthFailureLimit,
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_REQUEST_RATE_LIMIT,
  type RequestRateLimit,
} from './rate-limit';

/** Fastify's trustProxy as we accept it: off, on, a hop count, or addresses / CIDR ranges. */
export type TrustProxy = boolean | number | string[];

export interface ApiLimits {
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimit: number;
  /** The whole request (headers and body) must arrive within this many ms, else 408 and closed. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this many ms (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** A socket with no traffic for this many ms is closed. */
  connectionTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many ms. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are closed on arrival (node's server.maxConnections). */
  maxConnections: number;
  authFailures: AuthFailureLimit;
  /** Authenticated requests per token and window. */
  requestRate: RequestRateLimit;
  trustProxy: TrustProxy;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimit: 16 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  authFailures: DEFAULT_AUTH_FAILURE_LIMIT,
  requestRate: DEFAULT_REQUEST_RATE_LIMIT,
  trustProxy: false,
};

/** The Fastify constructor options that carry these limits. */
export function fastifyLimitOptions(l: ApiLimits) {
  const httpOptions: http.ServerOptions = {
    headersTimeout: Math.min(l.headersTimeoutMs, l.requestTimeoutMs),
    // node checks requestTimeout and headersTimeout on this period (default 30 s, too coarse).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(l.requestTimeoutMs / 4))),
  };
  return {
    bodyLimit: l.bodyLimit,
    requestTimeout: l.requestTimeoutMs,
    connectionTimeout: l.connectionTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // A hop count as Fastify's function form (its typings take no number): trust the nearest n.
    trustProxy:
      typeof l.trustProxy === 'number'
        ? (
            (hops: number) => (_addr: string, hop: number) =>
              hop < hops
          )(l.trustProxy)
        : l.trustProxy,
    http: httpOptions,
  };
}

/** The environment's API_* settings (already validated by src/config.ts) as limits. */
export function apiLimitsFromConfig(cfg: {
  API_TRUST_PROXY: TrustProxy;
  API_BODY_LIMIT_BYTES: number;
  API_REQUEST_TIMEOUT_MS: number;
  API_HEADERS_TIMEOUT_MS: number;
  API_CONNECTION_TIMEOUT_MS: number;
  API_KEEP_ALIVE_TIMEOUT_MS: number;
  API_MAX_CONNECTIONS: number;
  API_AUTH_FAILURES_PER_MINUTE: number;
  API_AUTH_FAILURES_PER_SOURCE_PER_MINUTE: number;
  API_REQUESTS_PER_MINUTE: number;
}): ApiLimits {
  return {
    bodyLimit: cfg.API_BODY_LIMIT_BYTES,
    requestTimeoutMs: cfg.API_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: cfg.API_HEADERS_TIMEOUT_MS,
    connectionTimeoutMs: cfg.API_CONNECTION_TIMEOUT_MS,
    keepAliveTimeoutMs: cfg.API_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: cfg.API_MAX_CONNECTIONS,
    authFailures: {
      max: cfg.API_AUTH_FAILURES_PER_MINUTE,
      sourceMax: cfg.API_AUTH_FAILURES_PER_SOURCE_PER_MINUTE,
      windowMs: 60_000,
    },
    requestRate: { max: cfg.API_REQUESTS_PER_MINUTE, windowMs: 60_000 },
    trustProxy: cfg.API_TRUST_PROXY,
  };
}

/**
 * API_TRUST_PROXY: `false` (default: the socket's address is the client), `true` (trust every
 * X-Forwarded-For hop: only when nothing but the proxy can reach the API), a hop count (`1`: one
 * proxy in front), or a comma-separated list of proxy addresses and CIDR ranges
 * (`10.0.0.0/8,127.0.0.1`), as Fastify's trustProxy takes them.
 */
export const TrustProxyEnv = z
  .string()
  .default('false')
  .transform((raw, ctx): TrustProxy => {
    const v = raw.trim();
    if (v === '' || v === 'false' || v === '0') return false;
    if (v === 'true') return true;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops > 100) ctx.addIssue({ code: 'custom', message: `${v} hops: at most 100` });
      return hops;
    }
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of list) {
      const [addr, bits, extra] = entry.split('/');
      const family = isIP(addr ?? '');
      const max = family === 6 ? 128 : 32;
      const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max);
      if (family === 0 || badBits || extra !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `${entry} is not an IP address or CIDR range (use false, true, a hop count, or addresses/CIDRs separated by commas)`,
        });
    }
    return list;
  });
