import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { setPriority } from 'node:os';
import { resolveFfmpeg } from '../engine/decode/ffmpeg-path.ts';

/**
 * An ffmpeg for work nobody waits on frame by frame (viewer proxies): the exact frames the user waits
 * for come first. Nice 5 is about a third of a normal process's share; nice 10 starved it for minutes
 * on a busy machine.
 */
export function spawnBackgroundFfmpeg(args: string[], stdio: StdioOptions): ChildProcess {
  const proc = spawn(resolveFfmpeg().ffmpeg, args, { stdio });
  try {
    if (proc.pid) setPriority(proc.pid, 5);
  } catch {
    /* not permitted here: it runs at normal priority */
  }
  return proc;
}
