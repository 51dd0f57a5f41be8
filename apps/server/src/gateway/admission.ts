import type { RateDecision, RateLimiter } from '../lib/rate-limiter';

/** The frame-rate limits of a node; a missing one is off. */
export interface FrameLimits {
  socket?: RateLimiter;
  user?: RateLimiter;
  workspace?: RateLimiter;
}

/**
 * Which limits a frame is charged to now: `all` once the socket is authenticated; `socket`
 * for a frame that arrived while `connect` was being verified (the user is not known yet);
 * `principal` for that same frame once it is (its socket share was paid on arrival).
 */
export type ChargeScope = 'all' | 'socket' | 'principal';

/** Who a frame counts against. */
export interface FrameSource {
  connectionId: string;
  workspaceId: string;
  userId: string;
}

/**
 * Charges one frame to the limits `scope` names, narrowest first, and returns the refusal
 * (with its retry-after), or undefined when the frame is admitted. A frame refused by a
 * narrower limit is not charged to the wider ones: one flooding socket spends its own budget,
 * not its user's or its workspace's.
 *
 * @example
 * const refused = admitFrame(limits, { connectionId, workspaceId, userId }, 'all');
 * if (refused) reply(rateLimited(refused.retryAfterSeconds));
 */
export function admitFrame(
  limits: FrameLimits,
  source: FrameSource,
  scope: ChargeScope,
): RateDecision | undefined {
  const charges: Array<() => RateDecision | undefined> = [];
  if (scope !== 'principal') charges.push(() => limits.socket?.take(source.connectionId));
  if (scope !== 'socket') {
    charges.push(() => limits.user?.take(`${source.workspaceId}\u0000${source.userId}`));
    charges.push(() => limits.workspace?.take(source.workspaceId));
  }
  for (const charge of charges) {
    const decision = charge();
    if (decision && !decision.allowed) return decision;
  }
  return undefined;
}
