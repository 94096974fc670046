import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { REPO_ROOT } from './shared.ts';

const exec = promisify(execFile);

export const tempDir = (prefix = 'gemdepth-test-') => mkdtemp(join(tmpdir(), prefix));

/** Independent ffprobe read, to check the engine against ffmpeg's own view. */
export async function ffprobeJson(path: string, extra: string[] = []): Promise<any> {
  const { ffprobe } = resolveFfmpeg();
  const { stdout } = await exec(ffprobe!, ['-v', 'error', '-print_format', 'json', ...extra, path], {
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout);
}

export async function ffmpeg(args: string[]): Promise<void> {
  await exec(resolveFfmpeg().ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 64 << 20 });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `gemdepth` binary, as a user runs it. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'gemdepth.mjs'), ...args],
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A refusal as the CLI gives it: one line on stderr naming the problem, and a non-zero exit. */
export function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^gemdepth: error: /);
  expect(lines[0]).toMatch(pattern);
}
