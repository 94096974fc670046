#!/usr/bin/env node
// The CLI runs the TypeScript engine directly through tsx: no build step between `npm install` and use.
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/run.ts');
