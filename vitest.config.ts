import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts', 'test-provider/**/*.test.ts'],
    // Real encrypted SQLite files and real servers: forks keep native handles apart per file.
    // Bounds that catch a hang, not speed targets (those are in npm run bench): end-to-end tests
    // spawn several processes and take minutes on a loaded 2-core machine.
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
