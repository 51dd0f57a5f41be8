import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../tooling/vitest/shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      environment: 'happy-dom',
      globalSetup: ['./test/global-setup.ts'],
    },
  }),
);
