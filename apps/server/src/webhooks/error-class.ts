import { WebhookErrorClass } from '@cariosan/protocol';
import * as v from 'valibot';
import { BlockedAddressError } from './address-policy';

const DNS_CODES = new Set([
  'ENOTFOUND',
  'ENODATA',
  'ESERVFAIL',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
]);

/**
 * The class of a network error of one attempt. Refused, reset and unreachable connections
 * and answers that are not HTTP are all `connection_failed`: a finer split would tell a
 * workspace which ports of a reachable host are open.
 *
 * @example
 * errorClassOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); // 'connection_failed'
 */
export function errorClassOf(error: unknown): WebhookErrorClass {
  if (error instanceof BlockedAddressError) return 'blocked_address';
  const code = String((error as NodeJS.ErrnoException | undefined)?.code ?? '');
  if (DNS_CODES.has(code)) return 'dns_failed';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (/^ERR_(TLS|SSL)_|CERT|_SIGNATURE$|^EPROTO$/.test(code)) return 'tls_failed';
  return 'connection_failed';
}

/**
 * A failure as `disabled_reason` ends: the class, and the status where there was one.
 *
 * @example
 * describeFailure('http_status', 502); // 'http_status (502)'
 */
export function describeFailure(error: WebhookErrorClass, status: number | null): string {
  return status === null ? error : `${error} (${status})`;
}

/** What the server wrote into `last_error` itself before it used classes. */
const LEGACY: ReadonlyArray<readonly [RegExp, WebhookErrorClass]> = [
  [/^HTTP 3\d\d\b/, 'redirect_refused'],
  [/^HTTP \d{3}\b/, 'http_status'],
  [/^blocked\b/, 'blocked_address'],
  [/timed out|ETIMEDOUT/, 'timeout'],
  [/interrupted|aborted/, 'interrupted'],
  [/no signing key/, 'no_signing_key'],
  [/event is gone/, 'event_gone'],
  [/^(invalid URL|unsupported scheme)$/, 'invalid_url'],
  [/ENOTFOUND|EAI_|ENODATA|ESERVFAIL/, 'dns_failed'],
  [/ERR_(TLS|SSL)_|CERT|certificate|EPROTO/, 'tls_failed'],
];

/**
 * The class of a stored `last_error`. Rows written before errors were classes may hold a
 * piece of a receiver's answer; it is never shown, only the class it stands for.
 *
 * @example
 * errorClassOfStored('HTTP 500: database is down'); // 'http_status'
 * errorClassOfStored('the previous attempt was interrupted before its answer was recorded'); // 'interrupted'
 */
export function errorClassOfStored(text: string | null): WebhookErrorClass | null {
  if (text === null) return null;
  if (v.is(WebhookErrorClass, text)) return text;
  return LEGACY.find(([pattern]) => pattern.test(text))?.[1] ?? 'connection_failed';
}

const DISABLED_AFTER = /^(disabled after \d+ failed attempts in a row; last error: )(.*)$/s;

/**
 * A stored `disabled_reason` with its last error as {@link describeFailure} writes it, also
 * when the row predates error classes.
 *
 * @example
 * disabledReasonOfStored('disabled after 10 failed attempts in a row; last error: HTTP 502: bad gateway');
 * // 'disabled after 10 failed attempts in a row; last error: http_status (502)'
 */
export function disabledReasonOfStored(text: string | null): string | null {
  const match = text === null ? null : DISABLED_AFTER.exec(text);
  if (!match) return text;
  const [, head, tail] = match as unknown as [string, string, string];
  if (/^[a-z_]+( \(\d{3}\))?$/.test(tail)) return text;
  const status = /^HTTP (\d{3})\b/.exec(tail)?.[1];
  const error = errorClassOfStored(tail)!;
  return `${head}${describeFailure(error, status === undefined ? null : Number(status))}`;
}
