/**
 * Common vitest settings for every package: real databases and sockets make tests slower
 * than unit tests, so timeouts are generous and files run in separate forks.
 *
 * @example
 * import { defineConfig, mergeConfig } from 'vitest/config';
 * import { shared } from '@cariosan/vitest-config';
 * export default mergeConfig(shared, defineConfig({ test: {} }));
 */
export const shared = {
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks' as const,
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
  },
};
