import { extname } from 'node:path';
import { UserError } from '../common/errors.ts';
import type { EffectStack } from '../common/effects/types.ts';
import { settingsOf } from '../app/geometry-settings.ts';
import { cancelOnSigint, geometryFrom } from './args.ts';
import type { RenderFlags } from './render-command.ts';
import { checkOutput, requireSomeModel } from './output-checks.ts';
import { createProgressPrinter } from './progress-line.ts';

export const isCut = (input: string): boolean => ['.otio', '.gdproj'].includes(extname(input).toLowerCase());

type CutFlags = Omit<RenderFlags, 'effect' | 'effects'>;

/**
 * `gemdepth render CUT.otio|PROJECT.gdproj`: the sequence, each clip with its own effects from the file
 * plus `extra` (the command line's) on every clip; with no effect anywhere, the plain cut (no model
 * needed). --start/--end are sequence frames. Every problem with the cut is found before anything is written.
 */
export async function renderCut(input: string, o: CutFlags, extra: EffectStack): Promise<void> {
  const passes = [o.depthPng && '--depth-png', o.depthMkv && '--depth-mkv', o.pointcloud && '--pointcloud', o.cameraPath && '--camera-path'].filter(Boolean);
  if (passes.length) throw new UserError(`${passes[0]} is for one clip: render a cut to a video only`, 'EINPUT');
  let doc;
  if (extname(input).toLowerCase() === '.otio') {
    const { importOtio } = await import('../engine/otio/index.ts');
    const r = await importOtio(input);
    for (const w of r.warnings) process.stderr.write(`gemdepth: warning: ${w}\n`);
    doc = r.doc;
  } else {
    const { readProject } = await import('../engine/project/index.ts');
    doc = await readProject(input);
  }
  const out = await checkOutput(o.out, [input, ...doc.clips.map((c) => c.path)], 'file', o.force);
  const needsDepth = extra.length > 0 || doc.sequence.video.some((v) => v.effects.length > 0);
  if (needsDepth && !o.model) await requireSomeModel();
  const { runSequenceRender } = await import('../engine/jobs/render-sequence.ts');
  const ac = cancelOnSigint();
  const printer = createProgressPrinter();
  const t0 = performance.now();
  try {
    const r = await runSequenceRender(
      { ...settingsOf(geometryFrom(o)), doc, out, extraEffects: extra, start: o.start, end: o.end, width: o.width, height: o.height, codec: o.codec, crf: o.crf, bitrate: o.bitrate, model: o.model, device: o.device, cacheDir: o.cacheDir, replace: o.force },
      { signal: ac.signal, onProgress: (p) => printer.update(p) },
    );
    printer.end();
    process.stderr.write(`rendered ${r.frames} frames of the cut in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${r.out}\n`);
  } finally {
    printer.end();
  }
}
