import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The peer address of the TCP connection, for per-address throttling. Proxy headers are not
 * trusted: behind a load balancer every client shares its address, which errs on the side of
 * throttling more, never less.
 *
 * @example
 * failures.recordFailure(clientAddress(c));
 */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'local';
  }
}
