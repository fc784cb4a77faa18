/**
 * The curl examples of README.md and docs/ are requests the API takes: each names a route with
 * its method, carries `Authorization: Bearer …` (every /api/v1 route needs it), sends JSON with
 * its content type, and its path parameters and body pass the route's own schemas.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROUTES } from '../../src/api/routes';

const ROOT = path.resolve(__dirname, '..', '..');

interface Curl {
  file: string;
  line: number;
  method: string;
  url: URL;
  headers: Map<string, string>;
  body?: string;
}

/** Splits a shell command into words (single and double quotes; no expansions). */
function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(cmd); m; m = re.exec(cmd))
    out.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3] ?? '');
  return out;
}

/** Every curl command of a Markdown file (continuation lines joined). */
function curlsOf(file: string): Curl[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const found: Curl[] = [];
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i]!.indexOf('curl ');
    if (at < 0) continue;
    let cmd = lines[i]!.slice(at);
    for (let j = i; cmd.trimEnd().endsWith('\\') && j + 1 < lines.length; j++) {
      cmd = `${cmd.trimEnd().slice(0, -1)} ${lines[j + 1]}`;
    }
    const w = words(cmd.replace(/`.*$/, ''));
    const c: Curl = { file, line: i + 1, method: '', url: new URL('http://x/'), headers: new Map() };
    for (let k = 1; k < w.length; k++) {
      const a = w[k]!;
      if (a === '-X') c.method = w[++k]!.toUpperCase();
      else if (a === '-H') {
        const h = w[++k]!;
        c.headers.set(h.slice(0, h.indexOf(':')).trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim());
      } else if (a === '-d' || a === '--data') c.body = w[++k];
      else if (/^(https?:\/\/)?localhost:\d+\//.test(a))
        c.url = new URL(a.startsWith('http') ? a : `http://${a}`);
    }
    c.method ||= c.body === undefined ? 'GET' : 'POST';
    found.push(c);
  }
  return found;
}

function routeOf(c: Curl) {
  for (const r of ROUTES) {
    if (r.method.toUpperCase() !== c.method) continue;
    const names: string[] = [];
    const re = new RegExp(
      `^${r.path.replace(/\{(\w+)\}/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    const m = re.exec(c.url.pathname);
    if (m)
      return {
        route: r,
        params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
      };
  }
  return undefined;
}

describe('curl examples in the documentation', () => {
  const files = [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const curls = files.flatMap(curlsOf).filter((c) => c.url.pathname.startsWith('/api/'));

  it("README's approval example is there", () => {
    assert.ok(
      curls.some((c) => c.file === 'README.md' && /\/approve$/.test(c.url.pathname)),
      'README.md shows how to approve with curl',
    );
  });

  it('each one is a route with its token, its content type, and path and body the route accepts', () => {
    assert.ok(curls.length >= 3, `found ${curls.length}`);
    for (const c of curls) {
      const at = `${c.file}:${c.line} ${c.method} ${c.url.pathname}`;
      const found = routeOf(c);
      assert.ok(found, `${at}: no such route`);
      const { route, params } = found;
      assert.match(
        c.headers.get('authorization') ?? '',
        /^Bearer \S+$/,
        `${at}: needs Authorization: Bearer <token>`,
      );
      if (route.params) {
        const p = route.params.safeParse(params);
        assert.ok(p.success, `${at}: path ${JSON.stringify(p.error?.issues)}`);
      }
      if (c.body !== undefined) {
        assert.equal(c.headers.get('content-type'), 'application/json', `${at}: JSON needs its content type`);
        assert.ok(route.body, `${at}: the route takes no body`);
        const b = route.body.safeParse(JSON.parse(c.body));
        assert.ok(b.success, `${at}: body ${c.body} is refused: ${JSON.stringify(b.error?.issues)}`);
      } else {
        assert.ok(!route.body || route.bodyOptional, `${at}: the route needs a body`);
      }
    }
  });
});
