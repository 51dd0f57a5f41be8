import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { assertPublicHost, BlockedAddressError, publicOnlyLookup } from './address-policy';
import { parseRetryAfter } from './retry-policy';

/**
 * Options of {@link createWebhookSender}.
 *
 * @example
 * const options: WebhookSenderOptions = { timeoutMs: 10_000, blockPrivate: false };
 */
export interface WebhookSenderOptions {
  /** One attempt, from connect to the last byte read, takes at most this long. */
  timeoutMs: number;
  /** Refuse hosts that are or resolve to private, loopback or link-local addresses. */
  blockPrivate: boolean;
  /** Bytes of the response body read (for the delivery log); the rest is discarded. */
  maxResponseBytes?: number;
  /** Upper bound of a `Retry-After` the receiver asks for. */
  maxRetryAfterMs?: number;
  /** Sockets kept per receiver host. */
  maxSockets?: number;
  now?: () => number;
}

/**
 * How one attempt went. `error` is a short, log-safe description (never the URL: its query
 * may hold the receiver's own token).
 */
export interface SendOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** From `Retry-After` on 429 and 503. */
  retryAfterMs?: number;
  durationMs: number;
}

/** POSTs signed deliveries; see {@link createWebhookSender}. */
export interface WebhookSender {
  send(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<SendOutcome>;
  close(): void;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024;
const ERROR_SNIPPET = 200;

/**
 * The HTTP client of webhook delivery, built on node:http so that redirects are never
 * followed (a 3xx is a failed attempt), the whole attempt has one deadline, at most a few
 * bytes of the answer are read, and with `blockPrivate` the address connected to is the one
 * that was checked. Keep-alive agents reuse connections to busy receivers.
 *
 * @example
 * const sender = createWebhookSender({ timeoutMs: 10_000, blockPrivate: false });
 * const outcome = await sender.send(url, body, signDelivery(key, input));
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const maxSockets = options.maxSockets ?? 64;
  const lookup = options.blockPrivate ? publicOnlyLookup : undefined;
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = options.now ?? Date.now;

  return {
    send(url, body, headers, signal) {
      const started = now();
      const done = (outcome: Omit<SendOutcome, 'durationMs'>): SendOutcome => ({
        ...outcome,
        durationMs: now() - started,
      });
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.resolve(done({ ok: false, status: null, error: 'invalid URL' }));
      }
      const protocol = target.protocol as keyof typeof agents;
      if (!agents[protocol]) {
        return Promise.resolve(done({ ok: false, status: null, error: 'unsupported scheme' }));
      }
      if (options.blockPrivate) {
        // A literal IP never goes through `lookup`, so it is checked here.
        try {
          assertPublicHost(target);
        } catch (error) {
          return Promise.resolve(done({ ok: false, status: null, error: describe(error) }));
        }
      }
      return new Promise<SendOutcome>((resolve) => {
        let settled = false;
        const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(done(outcome));
        };
        const send = protocol === 'https:' ? httpsRequest : httpRequest;
        const request = send(target, {
          method: 'POST',
          agent: agents[protocol],
          ...(lookup ? { lookup } : {}),
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        });
        const timer = setTimeout(() => {
          request.destroy();
          finish({ ok: false, status: null, error: `timed out after ${options.timeoutMs} ms` });
        }, options.timeoutMs);
        const onAbort = () => {
          request.destroy();
          finish({ ok: false, status: null, error: 'aborted: the server is shutting down' });
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        request.on('error', (error) => finish({ ok: false, status: null, error: describe(error) }));
        request.on('response', (response) => {
          readSnippet(response, limit).then(
            (snippet) => finish(judge(response, snippet, now(), options.maxRetryAfterMs)),
            (error: unknown) => finish({ ok: false, status: null, error: describe(error) }),
          );
        });
        request.end(body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function judge(
  response: IncomingMessage,
  snippet: string,
  now: number,
  maxRetryAfterMs = 24 * 3600_000,
): Omit<SendOutcome, 'durationMs'> {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, status, error: null };
  const text = snippet.replace(/[^\x20-\x7e]+/g, ' ').trim();
  let error = `HTTP ${status}${text ? `: ${text.slice(0, ERROR_SNIPPET)}` : ''}`;
  if (status >= 300 && status < 400) error = `HTTP ${status}: redirects are not followed`;
  const retryAfter =
    status === 429 || status === 503
      ? parseRetryAfter(headerValue(response.headers['retry-after']), now, maxRetryAfterMs)
      : undefined;
  return {
    ok: false,
    status,
    error,
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The first `limit` bytes of the body; a longer body is cut off (and its socket dropped). */
function readSnippet(response: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < limit) chunks.push(chunk.subarray(0, limit - size));
      size += chunk.length;
      if (size > limit) {
        response.destroy();
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** A short reason without the URL: Node's network errors name only host and port. */
function describe(error: unknown): string {
  if (error instanceof BlockedAddressError) return `blocked: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message.slice(0, ERROR_SNIPPET);
    return code && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return 'request failed';
}
