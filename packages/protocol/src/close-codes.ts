/**
 * WebSocket close codes Cariosan servers send, by reason.
 *
 * 1000–1999 are the standard codes of RFC 6455, 4000–4499 Cariosan's own. 4500–4999 are
 * reserved for future codes after which a client must not reconnect, so a client of today
 * already handles them right.
 *
 * @example
 * socket.close(CLOSE_CODES.token_expired, 'token_expired');
 */
export const CLOSE_CODES = {
  /** Closed on purpose by either side; nothing to recover. */
  normal: 1000,
  /** The server is shutting down or the browser left the page. */
  going_away: 1001,
  /** Never sent: what a client sees when the connection dropped without a close frame. */
  abnormal: 1006,
  /** The server hit an unexpected error on this socket. */
  internal_error: 1011,
  /** The server is restarting (deploy): it drained, another node will take the client. */
  service_restart: 1012,
  /** The server is overloaded; come back later. */
  try_again_later: 1013,
  /** No valid `connect` frame arrived in time after the upgrade. */
  connect_timeout: 4000,
  /** The token is missing, malformed, badly signed, or of another workspace. */
  unauthorized: 4001,
  /** The token's `exp` passed and no `refresh` replaced it. */
  token_expired: 4002,
  /** The user's tokens were revoked, or the workspace secret that signed it was rotated. */
  token_revoked: 4003,
  /** A frame was not valid JSON or not a known frame: a client bug that retrying repeats. */
  invalid_frame: 4004,
  /** The user is banned from the workspace. */
  user_banned: 4005,
  /** The user was deleted. */
  user_deleted: 4006,
  /** Too many requests on this socket or workspace. */
  rate_limited: 4008,
  /** The client read too slowly and its buffer passed the bound; resume from the last seq. */
  slow_consumer: 4009,
  /** The workspace was deleted. */
  workspace_deleted: 4010,
  /**
   * The user opened more sockets on this node than allowed and this was the oldest. Not
   * retried: reconnecting would only close the user's next-oldest socket.
   */
  too_many_sockets: 4011,
} as const;

/**
 * A reason name of {@link CLOSE_CODES}.
 *
 * @example
 * const reason: CloseReason = 'token_expired';
 */
export type CloseReason = keyof typeof CLOSE_CODES;

/**
 * A close code Cariosan defines.
 *
 * @example
 * const code: CloseCode = CLOSE_CODES.rate_limited;
 */
export type CloseCode = (typeof CLOSE_CODES)[CloseReason];

/**
 * What a client does after the socket closed with some code.
 *
 * @example
 * const policy = reconnectPolicy(event.code);
 * if (policy.refreshToken) token = await tokenProvider();
 */
export interface ReconnectPolicy {
  /** Whether to connect again at all. */
  reconnect: boolean;
  /** Get a new token from the app's `tokenProvider` before connecting again. */
  refreshToken: boolean;
  /**
   * Shortest wait before the first attempt; the client's backoff and jitter go on top.
   * Every reconnect resumes each channel from its last `seq`, so none loses messages.
   */
  minDelayMs: number;
}

const STOP: ReconnectPolicy = { reconnect: false, refreshToken: false, minDelayMs: 0 };
const RETRY: ReconnectPolicy = { reconnect: true, refreshToken: false, minDelayMs: 0 };
const NEW_TOKEN: ReconnectPolicy = { reconnect: true, refreshToken: true, minDelayMs: 0 };

const POLICIES: Record<CloseReason, ReconnectPolicy> = {
  normal: STOP,
  going_away: { ...RETRY, minDelayMs: 1_000 },
  abnormal: RETRY,
  internal_error: { ...RETRY, minDelayMs: 1_000 },
  // Every client of a restarting node reconnects at once; a short floor plus jitter
  // spreads them over the remaining nodes.
  service_restart: { ...RETRY, minDelayMs: 500 },
  try_again_later: { ...RETRY, minDelayMs: 5_000 },
  connect_timeout: RETRY,
  // A fresh token may fix it; if the provider fails or the new one is refused too, the
  // client stops instead of looping.
  unauthorized: NEW_TOKEN,
  token_expired: NEW_TOKEN,
  token_revoked: NEW_TOKEN,
  // Reconnecting right away would just be limited again and count against the workspace.
  rate_limited: { ...RETRY, minDelayMs: 10_000 },
  slow_consumer: RETRY,
  invalid_frame: STOP,
  user_banned: STOP,
  user_deleted: STOP,
  workspace_deleted: STOP,
  too_many_sockets: STOP,
};

const REASONS = new Map<number, CloseReason>(
  Object.entries(CLOSE_CODES).map(([reason, code]) => [code, reason as CloseReason]),
);

/**
 * The reason name of a close code, or undefined for a code Cariosan does not define.
 *
 * @example
 * closeReason(4002); // 'token_expired'
 */
export function closeReason(code: number): CloseReason | undefined {
  return REASONS.get(code);
}

/**
 * The retry policy of a close code. Codes Cariosan does not define: 4500–4999 stop,
 * anything else retries with backoff.
 *
 * @example
 * reconnectPolicy(4008); // { reconnect: true, refreshToken: false, minDelayMs: 10000 }
 */
export function reconnectPolicy(code: number): ReconnectPolicy {
  const reason = closeReason(code);
  if (reason) return POLICIES[reason];
  if (code >= 4500 && code <= 4999) return STOP;
  return RETRY;
}

/**
 * Whether a client should connect again after the socket closed with `code`.
 *
 * @example
 * socket.onclose = (event) => {
 *   if (shouldReconnect(event.code)) scheduleReconnect();
 * };
 */
export function shouldReconnect(code: number): boolean {
  return reconnectPolicy(code).reconnect;
}
