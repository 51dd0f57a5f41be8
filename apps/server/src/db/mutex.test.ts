import { expect, test } from 'vitest';
import { Mutex } from './mutex';

test('the mutex admits one holder at a time, in arrival order', async () => {
  const mutex = new Mutex();
  const events: string[] = [];
  await Promise.all(
    [1, 2, 3].map((n) =>
      mutex.runExclusive(async () => {
        events.push(`start ${n}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${n}`);
      }),
    ),
  );
  expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
});

test('the mutex is released when the holder throws', async () => {
  const mutex = new Mutex();
  await expect(mutex.runExclusive(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await mutex.runExclusive(async () => 'next')).toBe('next');
});
