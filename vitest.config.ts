import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['policy/**/*.test.ts', 'gateway/**/*.test.ts', 'posture-agent/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests spawn real processes and peers; give them room but keep the suite bounded.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
