import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { addGeometryOptions, cancelOnSigint, deviceOption, geometryFrom, intArg, type GeometryFlags } from './args.ts';
import { checkOutput, requireSomeModel } from './output-checks.ts';
import { createProgressPrinter } from './progress-line.ts';

interface AnalyzeFlags extends GeometryFlags {
  out: string;
  model?: string;
  start?: number;
  end?: number;
  device: 'auto' | 'cpu' | 'cuda';
  threads?: number;
  poses: boolean;
  pointcloud?: string;
  preset?: 'large' | 'medium' | 'small';
  cacheDir?: string;
  preview: boolean;
  force?: boolean;
}

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command('analyze')
    .description('estimate depth (and camera poses) for every frame: per-frame .npy, meta.json, depth preview MP4')
    .argument('<input>', 'video file or folder of PNG/JPG frames')
    .requiredOption('--out <dir>', 'output folder')
    .option('--model <id>', 'depth model id (see `gemdepth models list`)')
    .option('--start <n>', 'first frame (inclusive)', intArg('--start'))
    .option('--end <n>', 'last frame (inclusive)', intArg('--end'))
    .addOption(deviceOption())
    .option('--threads <n>', 'CPU threads for inference', intArg('--threads'))
    .option('--no-poses', 'skip camera poses and 3D-consistency')
    .option('--pointcloud <file.ply>', 'also write a fused, pose-aligned point cloud')
    .addOption(new Option('--preset <name>', 'window memory preset for video models').choices(['large', 'medium', 'small']))
    .option('--cache-dir <dir>', 'depth cache folder (default: $GEMDEPTH_CACHE or ~/.cache/gemdepth)')
    .option('--no-preview', 'skip the colour-mapped depth preview MP4')
    .option('--force', 'replace an earlier gemdepth output at --out (a folder holding anything else is never replaced)');
  addGeometryOptions(cmd)
    .action(async (input: string, o: AnalyzeFlags) => {
      const out = await checkOutput(o.out, [input], 'folder', o.force);
      const pointcloud = o.pointcloud ? await checkOutput(o.pointcloud, [input], 'file', o.force) : undefined;
      // Loaded on use: onnxruntime is heavy and other commands never need it.
      if (!o.model) await requireSomeModel();
      const { analyzeClip } = await import('../app/analysis-service.ts');
      const { parseRequest } = await import('../app/dispatch.ts');
      const { AnalyzeRequest } = await import('../common/api/schemas.ts');
      const req = parseRequest(
        AnalyzeRequest,
        {
          path: resolve(input),
          out,
          model: o.model,
          start: o.start,
          end: o.end,
          device: o.device,
          threads: o.threads,
          poses: o.poses,
          geometry: geometryFrom(o),
          pointcloud,
          preset: o.preset,
          cacheDir: o.cacheDir && resolve(o.cacheDir),
          preview: o.preview,
          replace: o.force,
        },
        'analyze options',
      );
      const ac = cancelOnSigint();
      const printer = createProgressPrinter();
      const t0 = performance.now();
      try {
        const r = await analyzeClip(req, { signal: ac.signal, onProgress: (p) => printer.update(p) });
        printer.end();
        const secs = (performance.now() - t0) / 1000;
        const n = r.end - r.start + 1;
        process.stderr.write(
          `analyzed ${n} frames in ${secs.toFixed(1)} s (${(n / secs).toFixed(1)} fps) with ${r.modelId} on ${r.device} -> ${out}\n`,
        );
      } finally {
        printer.end();
      }
    });
}
