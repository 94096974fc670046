import { defineConfig } from 'vitest/config';

// Tests run real ffmpeg and onnxruntime on a 2-core machine: keep files serial-ish and time limits generous.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
  },
});
