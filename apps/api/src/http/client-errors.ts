import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemType } from '../problem/problem-details.filter';

/** What Node's HTTP parser reports when it refuses a request. */
const REFUSALS: Record<string, { status: number; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'request_header_fields_too_large',
    detail: 'The request headers are larger than the server accepts (16 KiB)',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    detail: 'The request was not received in time',
  },
};
const MALFORMED = {
  status: 400,
  code: 'malformed_request',
  detail: 'The request is not valid HTTP/1.1 (request line, header or framing)',
};

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it (raw non-ASCII bytes in the
 * request line, headers over 16 KiB, bad framing) with problem+json like every other error,
 * instead of Fastify's default plain JSON, then closes the connection as Node does.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, detail } = (error.code && REFUSALS[error.code]) || MALFORMED;
  const title = STATUS_CODES[status] ?? 'Client error';
  const body = JSON.stringify({ type: problemType(code), title, status, detail, code });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
