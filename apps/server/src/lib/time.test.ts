import { describe, expect, it } from 'vitest';
import { settledWithin } from './time';

describe('settledWithin', () => {
  it('says true for work that resolves or rejects in time', async () => {
    expect(await settledWithin(Promise.resolve('done'), 1_000)).toBe(true);
    expect(await settledWithin(Promise.reject(new Error('failed')), 1_000)).toBe(true);
  });

  it('says false for work that never settles, instead of waiting for it', async () => {
    expect(await settledWithin(new Promise(() => undefined), 50)).toBe(false);
  });
});
