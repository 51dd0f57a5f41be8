import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { WebhookErrorClass } from '@cariosan/protocol';
import type { AddressPolicy } from './address-policy';
import { errorClassOf } from './error-class';
import { parseRetryAfter } from './retry-policy';

/**
 * Options of {@link createWebhookSender}.
 *
 * @example
 * const options: WebhookSenderOptions = { timeoutMs: 10_000, policy: createAddressPolicy({ blockPrivate: true }) };
 */
export interface WebhookSenderOptions {
  /** One attempt, from connect to the last byte read, takes at most this long. */
  timeoutMs: number;
  /** Which addresses may be connected to; applied to the very address each socket uses. */
  policy: AddressPolicy;
  /** Bytes of the response body drained (and discarded) for keep-alive; a longer one closes the socket. */
  maxResponseBytes?: number;
  /** Upper bound of a `Retry-After` the receiver asks for. */
  maxRetryAfterMs?: number;
  /** Sockets kept per receiver host. */
  maxSockets?: number;
  now?: () => number;
}

/**
 * How one attempt went: the status code, if any, and on failure a fixed class. Nothing of the
 * receiver's answer, nor of the URL (its query may hold the receiver's own token), is kept.
 */
export type SendOutcome = Verdict & { durationMs: number };

type Verdict = {
  status: number | null;
  /** From `Retry-After` on 429 and 503. */
  retryAfterMs?: number;
} & ({ ok: true; error: null } | { ok: false; error: WebhookErrorClass });

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
const failed = (error: WebhookErrorClass, status: number | null = null): Verdict => ({
  ok: false,
  status,
  error,
});

/**
 * The HTTP client of webhook delivery, built on node:http so that redirects are never
 * followed (a 3xx is a failed attempt), the whole attempt has one deadline, the answer's body
 * is discarded, and the address policy is applied in the socket's own `lookup`, so the address
 * connected to is the one that was checked. Keep-alive agents reuse connections to busy
 * receivers.
 *
 * @example
 * const sender = createWebhookSender({ timeoutMs: 10_000, policy });
 * const outcome = await sender.send(url, body, signDelivery(key, input));
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const maxSockets = options.maxSockets ?? 64;
  const { policy } = options;
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = options.now ?? Date.now;

  return {
    send(url, body, headers, signal) {
      const started = now();
      const done = (outcome: Verdict): SendOutcome => ({
        ...outcome,
        durationMs: now() - started,
      });
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.resolve(done(failed('invalid_url')));
      }
      const protocol = target.protocol as keyof typeof agents;
      if (!agents[protocol]) return Promise.resolve(done(failed('invalid_url')));
      // A literal address never goes through `lookup`: it is judged here.
      if (policy.allowsHost(target) === false) {
        return Promise.resolve(done(failed('blocked_address')));
      }
      return new Promise<SendOutcome>((resolve) => {
        let settled = false;
        const finish = (outcome: Verdict) => {
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
          ...(policy.lookup ? { lookup: policy.lookup } : {}),
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        });
        const timer = setTimeout(() => {
          request.destroy();
          finish(failed('timeout'));
        }, options.timeoutMs);
        const onAbort = () => {
          request.destroy();
          finish(failed('interrupted'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        request.on('error', (error) => finish(failed(errorClassOf(error))));
        request.on('response', (response) => {
          drain(response, limit).then(
            () => finish(judge(response, now(), options.maxRetryAfterMs)),
            (error: unknown) => finish(failed(errorClassOf(error))),
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

function judge(response: IncomingMessage, now: number, maxRetryAfterMs = 24 * 3600_000): Verdict {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, status, error: null };
  if (status >= 300 && status < 400) return failed('redirect_refused', status);
  const retryAfter =
    status === 429 || status === 503
      ? parseRetryAfter(headerValue(response.headers['retry-after']), now, maxRetryAfterMs)
      : undefined;
  return {
    ...failed('http_status', status),
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the body to its end and throws it away, so the socket can be reused; one longer than
 * `limit` is cut off (and its socket dropped). What the receiver says is never kept.
 */
function drain(response: IncomingMessage, limit: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        response.destroy();
        resolve();
      }
    });
    response.on('end', () => resolve());
    response.on('error', reject);
    response.on('aborted', () => resolve());
  });
}
