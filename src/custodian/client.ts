/**
 * Which client the workers talk to the custodian with: Apex's official Ascend SDK (the default)
 * or the small hand-written HTTP client. With the embedded simulator, a service account is made on
 * first start (an RSA key pair and an API key under DATA_DIR/custodian, mode 0600) and the
 * simulator is given its public key; against a real custodian the credentials come from the
 * environment (ASCEND_API_KEY, ASCEND_SERVICE_ACCOUNT, ASCEND_ORGANIZATION, ASCEND_PRIVATE_KEY_PATH).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AscendCustodian, orderDateFromClientOrderId } from './ascend-client';
import { HttpCustodian } from './http-client';
import type { CustodianPort } from './port';
import type { SimAuthOptions } from './sim/auth';

export interface AscendCredentials {
  apiKey: string;
  name: string;
  organization: string;
  privateKeyPem: string;
  /** Set for a simulator's own service account. */
  publicKeyPem?: string;
}

export type CustodianClientKind = 'ascend' | 'http';

/** `simToken`: the simulator's own token, for its simulator-only routes (src/custodian/sim/guard.ts). */
export function custodianClient(
  kind: CustodianClientKind,
  url: string,
  creds: AscendCredentials | undefined,
  simToken: string,
): CustodianPort {
  if (kind === 'http') return new HttpCustodian(url, simToken);
  if (!creds) throw new Error('CUSTODIAN_CLIENT=ascend needs the Ascend service-account credentials');
  return new AscendCustodian({
    serverURL: url,
    apiKey: creds.apiKey,
    serviceAccount: {
      name: creds.name,
      organization: creds.organization,
      privateKeyPem: creds.privateKeyPem,
    },
    orderDateOf: orderDateFromClientOrderId,
    simulatorToken: simToken,
  });
}

/**
 * The embedded simulator's own token (its control routes and the hand-written client's dialect),
 * made once and kept in `dir` (mode 0600), so `npm start`, `npm run worker` and the CLI share it.
 */
export function simControlToken(dir: string): string {
  const file = path.join(dir, 'sim-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `simtok_${randomBytes(24).toString('base64url')}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

/** The simulator's auth settings for a service account made by `simServiceAccount`. */
export function simAuthFor(creds: AscendCredentials): SimAuthOptions {
  if (!creds.publicKeyPem) throw new Error('a simulator service account needs its public key');
  return {
    apiKey: creds.apiKey,
    serviceAccounts: [
      { name: creds.name, organization: creds.organization, publicKeyPem: creds.publicKeyPem },
    ],
  };
}

/** The embedded simulator's service account, made once and kept in `dir`. */
export function simServiceAccount(dir: string): AscendCredentials {
  const file = path.join(dir, 'sim-service-account.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as AscendCredentials;
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const creds: AscendCredentials = {
    apiKey: `sim-${randomBytes(16).toString('hex')}`,
    name: 'zoe-trading',
    organization: 'correspondents/01HZOE00000000000000000000',
    privateKeyPem: keys.privateKey,
    publicKeyPem: keys.publicKey,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}
