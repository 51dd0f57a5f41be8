import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../tooling/vitest/shared.ts';

// The browser suite: a real server, the built app and Debian's chromium (see e2e/).
export default mergeConfig(
  shared,
  defineConfig({
    test: { include: ['e2e/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 120_000 },
  }),
);
