import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { isCancelled, isUserError } from '../common/errors.ts';
import { registerAnalyze } from './analyze-command.ts';
import { registerRender } from './render-command.ts';
import { registerModels } from './models-command.ts';
import { registerCache } from './cache-command.ts';
import { registerCrashCleanup } from './crash-cleanup.ts';
import { wasCancelled } from './args.ts';

async function buildProgram(): Promise<Command> {
  const program = new Command('gemdepth')
    .description('GemDepth Studio engine: 3D-consistent video depth, camera poses and depth effects')
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version)
    .showSuggestionAfterError()
    .exitOverride();
  program
    .command('probe')
    .description('print what the engine sees in a clip or image folder (JSON)')
    .argument('<input>', 'video file or folder of PNG/JPG frames')
    .option('--timestamps', 'include every frame timestamp')
    .action(async (input: string, o: { timestamps?: boolean }) => {
      const { probeMedia } = await import('../app/media-service.ts');
      const info = await probeMedia(input);
      const { timestamps, keyframeTimes, files, ...rest } = info;
      const shown = o.timestamps ? { ...rest, timestamps } : { ...rest, files: files?.length };
      process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
      void keyframeTimes;
    });
  registerCrashCleanup(program);
  registerAnalyze(program);
  registerRender(program);
  registerCache(program);
  await registerModels(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram();
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its one-line message (usage errors, --help, --version).
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    // A stage stopped by the cancel (the encoder killed mid-write) may fail before the cancel is raised.
    if (isCancelled(e) || wasCancelled()) {
      process.stderr.write('gemdepth: cancelled; nothing was written\n');
      return 130;
    }
    if (isUserError(e)) {
      process.stderr.write(`gemdepth: error: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    process.stderr.write(`gemdepth: internal error: ${err?.message ?? String(e)} (a bug: please report it with GEMDEPTH_DEBUG=1 output)\n`);
    if (process.env.GEMDEPTH_DEBUG) process.stderr.write(`${err?.stack}\n`);
    return 70;
  }
}
