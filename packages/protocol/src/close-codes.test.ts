import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, closeReason, reconnectPolicy, shouldReconnect } from './close-codes';

describe('CLOSE_CODES', () => {
  it('uses the codes the spec and clients agree on', () => {
    expect(CLOSE_CODES).toMatchObject({
      service_restart: 1012,
      connect_timeout: 4000,
      unauthorized: 4001,
      token_expired: 4002,
      token_revoked: 4003,
      invalid_frame: 4004,
      rate_limited: 4008,
      slow_consumer: 4009,
      workspace_deleted: 4010,
      too_many_sockets: 4011,
    });
  });

  it('gives every reason its own code', () => {
    const codes = Object.values(CLOSE_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('names the reason of a known code and nothing for an unknown one', () => {
    expect(closeReason(4002)).toBe('token_expired');
    expect(closeReason(4321)).toBeUndefined();
  });
});

describe('reconnectPolicy', () => {
  it('gets a new token before reconnecting after auth failures', () => {
    for (const code of [
      CLOSE_CODES.unauthorized,
      CLOSE_CODES.token_expired,
      CLOSE_CODES.token_revoked,
    ]) {
      expect(reconnectPolicy(code)).toMatchObject({ reconnect: true, refreshToken: true });
    }
  });

  it('resumes right away after a slow-consumer close and soon after a restart', () => {
    expect(reconnectPolicy(CLOSE_CODES.slow_consumer)).toEqual({
      reconnect: true,
      refreshToken: false,
      minDelayMs: 0,
    });
    expect(reconnectPolicy(CLOSE_CODES.service_restart)).toMatchObject({
      reconnect: true,
      refreshToken: false,
    });
  });

  it('backs off longer after rate limiting than after any other retryable close', () => {
    const rateLimited = reconnectPolicy(CLOSE_CODES.rate_limited);
    expect(rateLimited.reconnect).toBe(true);
    for (const code of Object.values(CLOSE_CODES)) {
      if (code !== CLOSE_CODES.rate_limited) {
        expect(reconnectPolicy(code).minDelayMs).toBeLessThan(rateLimited.minDelayMs);
      }
    }
  });

  it('stops after closes that retrying cannot fix', () => {
    for (const code of [
      CLOSE_CODES.normal,
      CLOSE_CODES.invalid_frame,
      CLOSE_CODES.user_banned,
      CLOSE_CODES.user_deleted,
      CLOSE_CODES.workspace_deleted,
      CLOSE_CODES.too_many_sockets,
    ]) {
      expect(shouldReconnect(code)).toBe(false);
    }
  });

  it('retries dropped connections and unknown codes, but not reserved terminal ones', () => {
    expect(shouldReconnect(CLOSE_CODES.abnormal)).toBe(true);
    expect(shouldReconnect(4321)).toBe(true);
    expect(shouldReconnect(3000)).toBe(true);
    expect(shouldReconnect(4500)).toBe(false);
    expect(shouldReconnect(4999)).toBe(false);
  });
});
