import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../lib/rate-limiter';
import { admitFrame, type FrameLimits } from './admission';

function limits(rates: { socket: number; user: number; workspace: number }) {
  const clock = { now: 0 };
  const now = () => clock.now;
  const built: Required<FrameLimits> = {
    socket: new RateLimiter(rates.socket, now),
    user: new RateLimiter(rates.user, now),
    workspace: new RateLimiter(rates.workspace, now),
  };
  return { clock, limits: built };
}

const alice = (connectionId = 'c1') => ({ connectionId, workspaceId: 'ws_1', userId: 'alice' });
const admitted = (results: Array<unknown>) => results.filter((result) => result === undefined);

describe('admitFrame', () => {
  it('admits up to each limit and names the retry-after of the one that refused', () => {
    const { limits: l } = limits({ socket: 3, user: 100, workspace: 100 });
    const results = Array.from({ length: 5 }, () => admitFrame(l, alice(), 'all'));
    expect(admitted(results)).toHaveLength(3);
    expect(results[3]).toMatchObject({ allowed: false, limit: 3 });
    expect(results[3]!.retryAfterSeconds).toBeCloseTo(1 / 3);
  });

  it('charges a frame pipelined behind connect to its socket first, then to its user once known', () => {
    const { limits: l } = limits({ socket: 10, user: 2, workspace: 100 });
    // While the token is verified: only the socket pays.
    for (let i = 0; i < 5; i++) expect(admitFrame(l, alice(), 'socket')).toBeUndefined();
    // Once connected, the same frames are charged to the user: two fit, three are refused.
    const later = Array.from({ length: 5 }, () => admitFrame(l, alice(), 'principal'));
    expect(admitted(later)).toHaveLength(2);
    // …and their socket share was paid once, on arrival: the socket has 5 of 10 left.
    const socketOnly = Array.from({ length: 6 }, () => admitFrame(l, alice(), 'socket'));
    expect(admitted(socketOnly)).toHaveLength(5);
  });

  it('does not spend the user or workspace budget on frames the socket limit refused', () => {
    const { limits: l } = limits({ socket: 2, user: 3, workspace: 3 });
    for (let i = 0; i < 50; i++) admitFrame(l, alice('flooder'), 'all');
    // The flooder took 2 of the user's 3; another tab of the same user still gets the last one.
    expect(admitFrame(l, alice('other-tab'), 'all')).toBeUndefined();
    expect(admitFrame(l, alice('other-tab'), 'all')).toMatchObject({ allowed: false, limit: 3 });
  });

  it('refills with time, per bucket', () => {
    const { clock, limits: l } = limits({ socket: 2, user: 100, workspace: 100 });
    admitFrame(l, alice(), 'all');
    admitFrame(l, alice(), 'all');
    expect(admitFrame(l, alice(), 'all')).toBeDefined();
    clock.now += 500;
    expect(admitFrame(l, alice(), 'all')).toBeUndefined();
    expect(admitFrame(l, alice(), 'all')).toBeDefined();
  });

  it('admits everything when no limit is set', () => {
    for (let i = 0; i < 1_000; i++) expect(admitFrame({}, alice(), 'all')).toBeUndefined();
  });
});
