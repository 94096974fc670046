import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import { DEFAULT_EXPORT_CODEC, EXPORT_CODECS, type EncodeOptions } from '../common/export-options.ts';
import { addDepthImportOptions, addGeometryOptions, cancelOnSigint, deviceOption, geometryFrom, intArg, type GeometryFlags } from './args.ts';
import { checkOutput, requireSomeModel } from './output-checks.ts';
import { createProgressPrinter } from './progress-line.ts';
import { isCut, renderCut } from './render-cut.ts';
import type { RenderOptions } from '../engine/jobs/render.ts';

/** The render command's flags: the engine's render options as commander parses them (paths as typed). */
export interface RenderFlags extends GeometryFlags, EncodeOptions, Pick<RenderOptions, 'out' | 'model' | 'depthPng' | 'depthMkv' | 'depthExr' | 'pointcloud' | 'cameraPath' | 'withImages' | 'cacheDir'> {
  effect: string[];
  effects?: string;
  device: 'auto' | 'cpu' | 'cuda';
  force?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

async function readStack(path: string) {
  const { loadEffectStack } = await import('../engine/effects/index.ts');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read effect stack ${path}: ${(e as Error).message.split('\n')[0]}`, 'EINPUT');
  }
  return loadEffectStack(json);
}

export function registerRender(program: Command): void {
  const cmd = program
    .command('render')
    .description('apply depth effects and export the composited video (with the source audio), or render a cut')
    .argument('<input>', 'video file, folder of PNG/JPG frames, or a cut: CUT.otio / PROJECT.gdproj (effects from the file; none: the plain cut)')
    .requiredOption('--out <file>', 'output video (.mp4, .mov, .mkv, .webm)')
    .option('--effect <spec>', 'effect and parameters, e.g. fog:density=0.6,color=#c8d0e0 (repeatable, applied in order)', collect, [])
    .option('--effects <stack.json>', 'effect stack preset (same format as the project file)')
    .option('--start <n>', 'first frame (inclusive)', intArg('--start'))
    .option('--end <n>', 'last frame (inclusive)', intArg('--end'))
    .option('--width <px>', 'output width', intArg('--width'))
    .option('--height <px>', 'output height', intArg('--height'))
    .addOption(new Option('--codec <codec>', 'video codec').choices(EXPORT_CODECS).default(DEFAULT_EXPORT_CODEC))
    .option('--crf <n>', 'constant quality (lower is better)', intArg('--crf'))
    .option('--bitrate <rate>', 'target bitrate, e.g. 8M (instead of --crf)')
    .option('--model <id>', 'depth model id')
    .addOption(deviceOption())
    .option('--depth-png <dir>', 'also write depth as a 16-bit PNG sequence')
    .option('--depth-mkv <file.mkv>', 'also write depth as lossless FFV1 gray16 video')
    .option('--depth-exr <dir>', 'also write depth as a 32-bit float EXR sequence (one channel, Z)')
    .option('--pointcloud <file.ply>', 'also write the fused point cloud')
    .option('--camera-path <dir>', 'also write the camera path: poses.json, a COLMAP text model and a glTF scene per shot')
    .option('--with-images', 'with --camera-path: also write the frames (images/frame_NNNNNN.png, the COLMAP image names)')
    .option('--cache-dir <dir>', 'depth cache folder (default: $GEMDEPTH_CACHE or ~/.cache/gemdepth)')
    .option('--force', 'replace earlier outputs: files at the output paths, folders an earlier gemdepth run wrote (never other folders)');
  addDepthImportOptions(addGeometryOptions(cmd))
    .action(async (input: string, o: RenderFlags) => {
      const { parseEffectSpec } = await import('../engine/effects/index.ts');
      const effects = [...(o.effects ? await readStack(o.effects) : []), ...o.effect.map((s) => parseEffectSpec(s))];
      if (isCut(input)) return renderCut(input, o, effects);
      if (effects.length === 0) throw new UserError('no effect given: add --effect fog (or --effects stack.json)', 'EINPUT');
      const out = await checkOutput(o.out, [input], 'file', o.force);
      for (const extra of [o.depthMkv, o.pointcloud]) if (extra) await checkOutput(extra, [input], 'file', o.force);
      for (const extra of [o.depthPng, o.depthExr, o.cameraPath]) if (extra) await checkOutput(extra, [input], 'folder', o.force);
      if (o.withImages && !o.cameraPath) throw new UserError('--with-images needs --camera-path DIR (the images go beside the COLMAP model)', 'EINPUT');
      if (!o.model && !o.depthFrom) await requireSomeModel();
      const { renderClip } = await import('../app/analysis-service.ts');
      const { parseRequest } = await import('../app/dispatch.ts');
      const { RenderRequest } = await import('../common/api/schemas.ts');
      const abs = (p: string | undefined) => p && resolve(p);
      const req = parseRequest(
        RenderRequest,
        {
          input: resolve(input),
          out,
          effects,
          start: o.start,
          end: o.end,
          width: o.width,
          height: o.height,
          codec: o.codec,
          crf: o.crf,
          bitrate: o.bitrate,
          model: o.model,
          device: o.device,
          geometry: geometryFrom(o),
          depthPng: abs(o.depthPng),
          depthMkv: abs(o.depthMkv),
          depthExr: abs(o.depthExr),
          pointcloud: abs(o.pointcloud),
          cameraPath: abs(o.cameraPath),
          withImages: o.withImages,
          cacheDir: abs(o.cacheDir),
          replace: o.force,
        },
        'render options',
      );
      const ac = cancelOnSigint();
      const printer = createProgressPrinter();
      const t0 = performance.now();
      try {
        const r = await renderClip(req, { signal: ac.signal, onProgress: (p) => printer.update(p) });
        printer.end();
        const secs = (performance.now() - t0) / 1000;
        process.stderr.write(`rendered ${r.frames} frames in ${secs.toFixed(1)} s -> ${r.out}\n`);
      } finally {
        printer.end();
      }
    });
}
