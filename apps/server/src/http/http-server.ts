import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '@cariosan/protocol';
import { serve } from '@hono/node-server';

/** A client has at most this long to send its request headers. */
const MAX_HEADERS_TIMEOUT_MS = 10_000;
/** How often Node checks those two timeouts (its default, 30 s, would let them run 30 s late). */
const TIMEOUT_CHECK_MS = 1_000;

export interface HttpServerOptions {
  port: number;
  hostname: string;
  /** Open TCP connections at most (HTTP and WebSocket); new ones beyond it are dropped. 0 = no cap. */
  maxConnections: number;
  /** The whole request, body included, must arrive within this (a body at 1 byte/10 s is cut). */
  requestTimeoutMs: number;
}

/**
 * Listens with the public app's `fetch`, with timeouts and a connection cap that a slow or
 * greedy client cannot outlast, and a JSON body on the errors Node answers by itself (431,
 * 400, 408) so every answer has SPEC's shape.
 *
 * @example
 * const server = await listenHttp(app.fetch, {
 *   port: 8080, hostname: '0.0.0.0', maxConnections: 20_000, requestTimeoutMs: 30_000,
 * });
 */
export function listenHttp(
  fetch: Parameters<typeof serve>[0]['fetch'],
  options: HttpServerOptions,
): Promise<Server> {
  return new Promise<Server>((resolve) => {
    const server = serve(
      {
        fetch,
        port: options.port,
        hostname: options.hostname,
        serverOptions: {
          headersTimeout: Math.min(MAX_HEADERS_TIMEOUT_MS, options.requestTimeoutMs),
          requestTimeout: options.requestTimeoutMs,
          connectionsCheckingInterval: TIMEOUT_CHECK_MS,
        },
      },
      () => resolve(server),
    ) as Server;
    if (options.maxConnections > 0) server.maxConnections = options.maxConnections;
    server.on('clientError', answerClientError);
  });
}

/** Node's own answers to requests it could not parse, in SPEC's error shape. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [status, code, message] = clientErrorAnswer(error.code);
  const body: ErrorBody = {
    error: { code, message, request_id: 'none' },
  };
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function clientErrorAnswer(code: string | undefined): [string, ErrorBody['error']['code'], string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [
        '431 Request Header Fields Too Large',
        'invalid_request',
        'Request headers are too large',
      ];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['408 Request Timeout', 'invalid_request', 'The request took too long to arrive'];
    default:
      return ['400 Bad Request', 'invalid_request', 'Malformed HTTP request'];
  }
}

/**
 * Reads and drops what is left of a request body, at most `maxBytes` for at most `maxMs`, so a
 * client still uploading reads the answer instead of a reset when the connection then closes.
 * Reads through the Request's own stream: the adapter pauses the socket when nobody pulls it.
 *
 * @example
 * await discardBody(c.req.raw.body, 64 * 1024 * 1024, 5_000);
 */
export async function discardBody(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  maxMs: number,
): Promise<void> {
  if (!body || body.locked) return;
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, maxMs);
  });
  const drain = (async () => {
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      bytes += value.byteLength;
      if (bytes > maxBytes) return;
    }
  })().catch(() => undefined);
  await Promise.race([drain, deadline]);
  clearTimeout(timer);
  await reader.cancel().catch(() => undefined);
}
