import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.timeOrigin-based ms, comparable across the test process. */
  at: number;
}

/** What the receiver answers; `delayMs` waits before answering. */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: ReceivedRequest[];
  /** Replaces how requests are answered (default: 204). */
  answer(handler: (request: ReceivedRequest, index: number) => ReceiverAnswer): void;
  /** Distinct `x-cariosan-event-id`s received so far. */
  eventIds(): Set<string>;
  close(): Promise<void>;
}

/**
 * The server environment that lets webhooks reach a receiver: it listens on 127.0.0.1, which
 * the default address policy refuses.
 */
export const RECEIVER_ENV = { CARIOSAN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } as const;

/**
 * A real HTTP endpoint on 127.0.0.1 that records every webhook request and answers as told
 * (a server sends to it only with {@link RECEIVER_ENV}).
 *
 * @example
 * const receiver = await startReceiver();
 * receiver.answer((_, i) => ({ status: i < 3 ? 500 : 200 }));
 */
export async function startReceiver(): Promise<WebhookReceiver> {
  let handler: (request: ReceivedRequest, index: number) => ReceiverAnswer = () => ({
    status: 204,
  });
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.timeOrigin + performance.now(),
      };
      const index = requests.push(request) - 1;
      const reply = handler(request, index);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(next) {
      handler = next;
    },
    eventIds: () => new Set(requests.map((r) => String(r.headers['x-cariosan-event-id']))),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
