/**
 * Requests the routes never see, answered as application/problem+json like every other error:
 * - what Node's HTTP parser refuses before Fastify has a request (bad framing, a header block
 *   over the limit: 431, a method HTTP does not know: 501), written straight to the socket;
 * - a method a known path does not declare: 405 with `Allow` (a path no route has stays 404);
 * - a GET (or HEAD) carrying a body: 400 (HTTP gives such a body no meaning; it is not ignored).
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, Problem } from './problems';

/** What each of the parser's refusals is called, and which part of the request it is about. */
const PARSER_ERRORS: Record<string, { status: number; detail: string; where: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    detail: 'the request line and headers are larger than the server accepts',
    where: 'header',
  },
  HPE_INVALID_METHOD: {
    status: 501,
    detail: 'the request method is not one HTTP defines (this API uses GET and POST)',
    where: 'method',
  },
  HPE_INVALID_URL: { status: 400, detail: 'the request target is not a valid URL', where: 'path' },
  HPE_INVALID_VERSION: { status: 400, detail: 'the HTTP version is not valid', where: 'request' },
  HPE_INVALID_HEADER_TOKEN: { status: 400, detail: 'a header name or value is not valid', where: 'header' },
  HPE_INVALID_CONTENT_LENGTH: {
    status: 400,
    detail: 'Content-Length is not valid',
    where: 'header.content-length',
  },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    detail: 'Content-Length and Transfer-Encoding are both given',
    where: 'header.content-length',
  },
  HPE_INVALID_TRANSFER_ENCODING: {
    status: 400,
    detail: 'Transfer-Encoding is not valid (or comes with a Content-Length)',
    where: 'header.transfer-encoding',
  },
  HPE_INVALID_CHUNK_SIZE: { status: 400, detail: 'a chunk of the body has an invalid size', where: 'body' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'the request was not received in time', where: 'request' },
  ERR_HTTP_HEADERS_TIMEOUT: { status: 408, detail: 'the headers were not received in time', where: 'header' },
};

/** The problem for an error of Node's HTTP parser (anything unlisted is a 400 about the framing). */
export function parserProblem(err: { code?: string }): Problem {
  const known = err.code ? PARSER_ERRORS[err.code] : undefined;
  const status = known?.status ?? 400;
  return new Problem(
    status,
    STATUS_CODES[status] ?? 'Bad Request',
    known?.detail ?? `the request is not valid HTTP/1.1 (${err.code ?? 'unreadable'})`,
    known?.where ?? 'request',
    PROBLEM_TYPES.invalid,
  );
}

/**
 * Fastify's `clientErrorHandler`: the parser's refusal as a problem, written to the socket (there is
 * no request to reply to), then the connection closed as Node does.
 */
export function protocolClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const p = parserProblem(err);
    const body = JSON.stringify(p.body());
    socket.write(
      `HTTP/1.1 ${p.status} ${p.title}\r\n` +
        `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(err);
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The methods some route declares for this path (empty: no route has the path). */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0] ?? '';
  return METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
}

/** The answer for a request no route took: 405 with Allow when the path has other methods, else 404. */
export function unroutedProblem(app: FastifyInstance, req: FastifyRequest): Problem {
  const path = req.url.split('?')[0];
  const allow = allowedMethods(app, req.url);
  if (allow.length > 0) {
    return new Problem(
      405,
      'Method not allowed',
      `${req.method} is not a method of ${path}; it takes ${allow.join(', ')}`,
      'method',
      PROBLEM_TYPES.invalid,
      { allow: allow.join(', ') },
    );
  }
  return new Problem(
    404,
    'Not found',
    `${req.method} ${path} is not a route`,
    'path',
    PROBLEM_TYPES.notFound,
  );
}

/** A GET or HEAD with a body (a Content-Length above 0, or any Transfer-Encoding) is refused. */
export function bodyOnGetProblem(req: FastifyRequest): Problem | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || Number(length) === 0)) return undefined;
  return new Problem(
    400,
    'Invalid request',
    `body: a ${req.method} request takes no body`,
    'body',
    PROBLEM_TYPES.invalid,
  );
}
