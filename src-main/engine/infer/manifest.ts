import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { modelUrlProblem } from './url-policy.ts';
import { UserError } from '../../common/errors.ts';

const positiveInt = z.number().int().positive();

/** The long-video scheme of Video-Depth-Anything / GemDepth (GEMDEPTH.md): one set per memory preset. */
export const windowParamsSchema = z
  .object({
    T: positiveInt,
    overlap: positiveInt,
    keyframes: z.array(z.number().int().nonnegative()),
    interpLen: positiveInt,
  })
  .strict()
  .superRefine((w, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (w.overlap >= w.T) fail(`overlap ${w.overlap} must be smaller than T ${w.T}`);
    if (w.keyframes.length !== w.overlap) fail(`keyframes must list exactly overlap (${w.overlap}) slots`);
    if (w.keyframes[0] !== 0) fail('keyframes[0] must be 0 (the global anchor)');
    if (w.keyframes.some((k) => k >= w.T)) fail(`keyframes must be < T (${w.T})`);
    if (w.interpLen < 2 || w.interpLen > w.overlap - 2) fail('interpLen must be in 2..overlap-2');
    // The cross-faded slots must be the frames that follow the previous window's last step.
    const step = w.T - w.overlap;
    const alignLen = w.overlap - w.interpLen;
    for (let i = alignLen; i < w.overlap; i++) {
      if (w.keyframes[i] !== step + i) fail(`keyframes[${i}] must be ${step + i} (T - overlap + ${i}) so overlapping slots are real frames`);
    }
  });
export type WindowParams = z.infer<typeof windowParamsSchema>;

export const sizeRuleSchema = z.union([
  z.object({ fixed: z.tuple([positiveInt, positiveInt]) }).strict(),
  z.object({ shortSide: positiveInt, multiple: positiveInt }).strict(),
  z.object({ multiple: positiveInt, maxSide: positiveInt.optional() }).strict(),
]);
export type SizeRule = z.infer<typeof sizeRuleSchema>;

/** Every URL a manifest names (model-manager/url-policy.ts): https, or http to this machine only. */
const httpsUrl = z.string().url().superRefine((u, ctx) => {
  const why = modelUrlProblem(u);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');

export const manifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'id: lowercase letters, digits, . _ -'),
    name: z.string().min(1),
    file: z.string().min(1).refine((f) => !/[\\/]/.test(f), 'file is a file name, not a path'),
    sha256: sha256Schema.optional(),
    licence: z.object({ id: z.string().min(1), commercialUse: z.boolean(), url: httpsUrl }).strict(),
    /** Where a user gets the weights, shown when the file is missing. */
    source: z.object({ url: httpsUrl, note: z.string().min(1) }).strict(),
    kind: z.enum(['per-frame', 'windowed']),
    input: z.object({ name: z.string().min(1), layout: z.enum(['NCHW', 'NTCHW']), rank: z.number().int() }).strict(),
    output: z.object({ name: z.string().min(1), rank: z.number().int() }).strict(),
    poses: z.object({ name: z.string().min(1) }).strict().optional(),
    size: sizeRuleSchema,
    normalisation: z.enum(['imagenet', 'unit']),
    outputKind: z.enum(['metric', 'relative-inverse']),
    /** Metric outputs below this (metres) are network artefacts (ReLU zeros) and are raised to it; default 0.001. */
    minDepth: z.number().positive().optional(),
    window: z
      .object({ default: z.enum(['large', 'medium', 'small']), presets: z.partialRecord(z.enum(['large', 'medium', 'small']), windowParamsSchema) })
      .strict()
      .optional(),
    /** Read by the model manager (issue 7). */
    /**
     * Where the model manager downloads the file. Without sha256 the download is "unpinned" (the
     * publisher gives no checksum we could verify): it is then accepted only if onnxruntime reads the
     * manifest's inputs and outputs from it, and the user is told it was not checksum-verified.
     */
    download: z.object({ urls: z.array(httpsUrl).min(1), size: positiveInt.optional(), sha256: sha256Schema.optional() }).strict().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (m.kind === 'per-frame') {
      if (m.input.layout !== 'NCHW' || m.input.rank !== 4) fail('per-frame models take NCHW rank-4 input');
      if (m.output.rank !== 3 && m.output.rank !== 4) fail('per-frame output rank must be 3 ([N,H,W]) or 4 ([N,1,H,W])');
      if (m.window || m.poses) fail('window and poses apply to windowed models only');
    } else {
      if (m.input.layout !== 'NTCHW' || m.input.rank !== 5) fail('windowed models take NTCHW rank-5 input');
      if (m.output.rank !== 4) fail('windowed output rank must be 4 ([1,T,H,W])');
      if (!m.window) fail('windowed models need window presets');
      else if (!m.window.presets[m.window.default]) fail(`window.default ${m.window.default} has no preset`);
    }
  });
export type ModelManifest = z.infer<typeof manifestSchema>;

/** The three memory presets of GEMDEPTH.md, shared by every windowed manifest. */
export const STANDARD_WINDOW_PRESETS: Record<'large' | 'medium' | 'small', WindowParams> = {
  large: { T: 32, overlap: 10, keyframes: [0, 12, 24, 25, 26, 27, 28, 29, 30, 31], interpLen: 8 },
  medium: { T: 16, overlap: 6, keyframes: [0, 6, 12, 13, 14, 15], interpLen: 4 },
  small: { T: 8, overlap: 4, keyframes: [0, 3, 6, 7], interpLen: 2 },
};

/** Built-in manifests ship in the repository's (or the packaged app's) models/ folder. */
export function builtinManifestDir(): string {
  if (process.env.GEMDEPTH_MANIFESTS) return resolve(process.env.GEMDEPTH_MANIFESTS);
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models');
}

export function parseManifest(json: unknown, where: string): ModelManifest {
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new UserError(`invalid model manifest ${where}: ${first.path.join('.') || '(root)'}: ${first.message}`, 'EMANIFEST');
  }
  return r.data;
}

export async function loadManifestFile(path: string): Promise<ModelManifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read model manifest ${path}: ${(e as Error).message}`, 'EMANIFEST');
  }
  return parseManifest(json, path);
}

export async function listManifests(dir = builtinManifestDir()): Promise<ModelManifest[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map((n) => loadManifestFile(join(dir, n))));
}

export async function getManifest(id: string, dir = builtinManifestDir()): Promise<ModelManifest> {
  const all = await listManifests(dir);
  const m = all.find((x) => x.id === id);
  if (!m) throw new UserError(`unknown model '${id}': known models are ${all.map((x) => x.id).join(', ')}`, 'EMODEL');
  return m;
}
