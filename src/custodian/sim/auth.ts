/**
 * The simulated custodian's half of Apex Ascend's service-account flow, as the official SDK
 * (`@apexfintechsolutions/ascend-sdk`, hooks/apexaccesstokenhook.ts) drives it:
 *
 * 1. the client signs a JWT with the service account's private key: RS256, payload
 *    `{iss, sub, name, organization, datetime, iat}`;
 * 2. `POST /iam/v1/serviceAccounts:generateAccessToken` with header `x-api-key` and body
 *    `{"jws": "<jwt>"}` answers `{"access_token", "expires_in", "token_type": "Bearer"}`;
 * 3. every other call carries `x-api-key` and `Authorization: Bearer <access_token>`.
 *
 * The simulator is configured with each service account's public key and verifies the
 * signature with node:crypto. Tokens are random, short-lived and stored hashed in
 * `sim.access_tokens`, so they survive a simulator restart.
 */
import {
  type KeyObject,
  createHash,
  createPublicKey,
  randomBytes,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type http from 'node:http';
import type { Knex } from 'knex';
import { z } from 'zod';
import { SimError } from './errors';

export const TOKEN_PATH = '/iam/v1/serviceAccounts:generateAccessToken';

export interface SimServiceAccount {
  /** The service account's name, as in the SDK's `serviceAccountCreds.name`. */
  name: string;
  /** e.g. `correspondents/00000000-0000-0000-0000-000000000000`, as in `serviceAccountCreds.organization`. */
  organization: string;
  /** The public half of the key the client signs with (PEM, SPKI or PKCS#1), RSA. */
  publicKeyPem: string;
}

export interface SimAuthOptions {
  /** The API key every request must carry in `x-api-key`. */
  apiKey: string;
  serviceAccounts: SimServiceAccount[];
  /**
   * Lifetime of an access token, seconds; default 900. At least 60: the SDK keeps a token for
   * max(expires_in − 3600, 60) seconds before asking again, so a shorter token would be sent
   * after it expired.
   */
  tokenTtlSeconds?: number;
  /** How old a signed JWT may be when it is exchanged, seconds; default 300. */
  jwsMaxAgeSeconds?: number;
}

export interface AuthenticatedCaller {
  serviceAccount: string;
  organization: string;
}

const CLOCK_SKEW_MS = 60_000;

const TokenRequestBody = z.object({ jws: z.string().min(1, 'jws must not be empty') });

const JwsHeader = z.object({ alg: z.string(), typ: z.string().optional() });
const JwsPayload = z.object({
  name: z.string().min(1),
  organization: z.string().min(1),
  datetime: z.string().datetime({ offset: true }).optional(),
  iat: z.number().int().optional(),
  exp: z.number().int().optional(),
});

const sha256 = (s: string) => createHash('sha256').update(s).digest();

function unauthenticated(message: string): SimError {
  return new SimError(401, 'UNAUTHENTICATED', message);
}

function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw unauthenticated(`malformed JWS: the ${what} is not base64url-encoded JSON`);
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class SimAuth {
  private readonly keys: { account: SimServiceAccount; key: KeyObject }[];
  private readonly apiKeyHash: Buffer;
  readonly tokenTtlSeconds: number;
  readonly jwsMaxAgeSeconds: number;

  constructor(
    private readonly db: Knex,
    opts: SimAuthOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (!opts.apiKey) throw new Error('sim auth: apiKey must not be empty');
    if (opts.serviceAccounts.length === 0)
      throw new Error('sim auth: at least one service account is needed');
    this.apiKeyHash = sha256(opts.apiKey);
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 900;
    this.jwsMaxAgeSeconds = opts.jwsMaxAgeSeconds ?? 300;
    if (!Number.isInteger(this.tokenTtlSeconds) || this.tokenTtlSeconds < 60)
      throw new Error('sim auth: tokenTtlSeconds must be an integer >= 60 (the SDK caches tokens 60 s)');
    this.keys = opts.serviceAccounts.map((account) => {
      const key = createPublicKey(account.publicKeyPem);
      if (key.asymmetricKeyType !== 'rsa')
        throw new Error(`sim auth: service account ${account.name}: RS256 needs an RSA public key`);
      return { account, key };
    });
  }

  private checkApiKey(req: http.IncomingMessage): void {
    const given = header(req, 'x-api-key');
    if (!given) throw unauthenticated('missing x-api-key header');
    if (!timingSafeEqual(sha256(given), this.apiKeyHash)) throw unauthenticated('unknown x-api-key');
  }

  /** `POST /iam/v1/serviceAccounts:generateAccessToken`: a verified JWS in, an access token out. */
  async issueToken(
    req: http.IncomingMessage,
    body: unknown,
  ): Promise<{ access_token: string; expires_in: number; token_type: 'Bearer' }> {
    this.checkApiKey(req);
    const parsed = TokenRequestBody.safeParse(body);
    if (!parsed.success) throw new SimError(400, 'INVALID_ARGUMENT', 'body must be {"jws": "<signed JWT>"}');
    const parts = parsed.data.jws.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)))
      throw unauthenticated('malformed JWS: expected three base64url parts, header.payload.signature');
    const [h, p, s] = parts as [string, string, string];
    const hdr = JwsHeader.safeParse(decodeJson(h, 'header'));
    if (!hdr.success) throw unauthenticated('malformed JWS: the header has no alg');
    if (hdr.data.alg !== 'RS256')
      throw unauthenticated(`JWS alg must be RS256, got ${JSON.stringify(hdr.data.alg)}`);
    const payload = JwsPayload.safeParse(decodeJson(p, 'payload'));
    if (!payload.success)
      throw unauthenticated(
        `malformed JWS payload: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const { name, organization } = payload.data;
    const entry = this.keys.find((k) => k.account.name === name && k.account.organization === organization);
    if (!entry) throw unauthenticated(`unknown service account ${JSON.stringify(name)} in ${organization}`);
    const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), entry.key, Buffer.from(s, 'base64url'));
    if (!ok)
      throw unauthenticated(
        `JWS signature does not verify with the public key configured for service account ${JSON.stringify(name)}`,
      );
    const now = this.clock().getTime();
    const signedAt = payload.data.datetime
      ? Date.parse(payload.data.datetime)
      : payload.data.iat !== undefined
        ? payload.data.iat * 1000
        : undefined;
    if (signedAt === undefined) throw unauthenticated('JWS payload carries neither datetime nor iat');
    if (now - signedAt > this.jwsMaxAgeSeconds * 1000 || signedAt - now > CLOCK_SKEW_MS)
      throw unauthenticated(
        `JWS signed at ${new Date(signedAt).toISOString()} is outside the accepted window ` +
          `(at most ${this.jwsMaxAgeSeconds} s old, simulator time ${new Date(now).toISOString()})`,
      );
    if (payload.data.exp !== undefined && payload.data.exp * 1000 <= now)
      throw unauthenticated(`JWS expired at ${new Date(payload.data.exp * 1000).toISOString()}`);

    const token = randomBytes(32).toString('base64url');
    const issuedAt = new Date(now);
    await this.db('sim.access_tokens').where('expires_at', '<', issuedAt).delete();
    await this.db('sim.access_tokens').insert({
      token_hash: sha256(token).toString('hex'),
      service_account: name,
      organization,
      issued_at: issuedAt,
      expires_at: new Date(now + this.tokenTtlSeconds * 1000),
    });
    return { access_token: token, expires_in: this.tokenTtlSeconds, token_type: 'Bearer' };
  }

  /** Every order route: the API key and a live access token, or a 401 saying which is wrong. */
  async authenticate(req: http.IncomingMessage): Promise<AuthenticatedCaller> {
    this.checkApiKey(req);
    const authz = header(req, 'authorization');
    if (!authz)
      throw unauthenticated(
        `missing access token: send Authorization: Bearer <access_token> from POST ${TOKEN_PATH}`,
      );
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m?.[1]) throw unauthenticated('Authorization header must be "Bearer <access_token>"');
    const row: { service_account: string; organization: string; expires_at: Date } | undefined =
      await this.db('sim.access_tokens')
        .where({ token_hash: sha256(m[1]).toString('hex') })
        .first();
    if (!row) throw unauthenticated('unknown access token: not issued by this simulator, or purged');
    const expiresAt = new Date(row.expires_at);
    if (expiresAt.getTime() <= this.clock().getTime())
      throw unauthenticated(
        `access token expired at ${expiresAt.toISOString()}; get a new one from POST ${TOKEN_PATH}`,
      );
    return { serviceAccount: row.service_account, organization: row.organization };
  }
}
