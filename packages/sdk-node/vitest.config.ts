import { defineConfig, mergeConfig } from 'vitest/config';
import { shared } from '../../tooling/vitest/shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    // The public types are part of the contract: `*.test-d.ts` are type-checked as tests.
    test: {
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    },
  }),
);
