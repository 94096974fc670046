import { z } from 'zod';
import { DEFAULT_FUSION } from '../api/geometry.ts';
import { emptySequence, SequenceSchema, type Sequence } from './sequence-schema.ts';

/**
 * The project document. Plain JSON, versioned: every older version has a migration in migrate.ts, so a
 * project saved by any earlier build opens in this one. The effect stack is stored exactly in the effects
 * preset format (one format for CLI presets and projects); it is validated by the effects module on load.
 */
export const PROJECT_FORMAT = 'gemdepth-project';
export const PROJECT_VERSION = 3;
export const PROJECT_EXT = '.gdproj';

export const FingerprintSchema = z.object({
  size: z.number().int().nonnegative(),
  /** With `full`: sha256 of every byte (folders: of each frame). Without (older projects): of the first and last MiB plus the size. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  full: z.literal(true).optional(),
});
export type Fingerprint = z.infer<typeof FingerprintSchema>;

export const ClipSchema = z.object({
  id: z.string().min(1),
  path: z.string().min(1),
  name: z.string(),
  fingerprint: FingerprintSchema.nullable(),
  frameCount: z.number().int().nonnegative(),
  fps: z.number().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Inclusive in/out frames on the clip. */
  in: z.number().int().nonnegative(),
  out: z.number().int().nonnegative(),
  /** Effect stack in the effects preset format (validated by effects/loadEffectStack). */
  effects: z.array(z.unknown()),
});
export type ProjectClip = Omit<z.infer<typeof ClipSchema>, 'effects'> & { effects: unknown[] };

export const ViewModeSchema = z.enum(['composite', 'depth', 'split', '3d']);
export type ViewMode = z.infer<typeof ViewModeSchema>;

export const ViewSettingsSchema = z.object({
  mode: ViewModeSchema.default('composite'),
  playhead: z.number().int().nonnegative().default(0),
  timelineZoom: z.number().positive().default(1),
  selectedClip: z.string().nullable().default(null),
  pointSize: z.number().positive().default(2),
  /** Back-projection stride in depth pixels: higher = fewer points. */
  pointStride: z.number().int().min(1).max(32).default(2),
  /** Frames either side of the playhead accumulated into the 3D view. */
  accumulate: z.number().int().min(0).max(60).default(0),
});
export type ViewSettings = z.infer<typeof ViewSettingsSchema>;

export const AnalysisSettingsSchema = z.object({
  model: z.string().default('fastdepth'),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /** Fuse each frame's depth with its neighbours' (off for footage dominated by things that move). */
  fusion: z.boolean().default(DEFAULT_FUSION),
  /** The camera's horizontal field of view; null: the model's, else the default. */
  fovDeg: z.number().min(10).max(170).nullable().default(null),
});
export type AnalysisSettings = z.infer<typeof AnalysisSettingsSchema>;

export const ProjectSchema = z.object({
  format: z.literal(PROJECT_FORMAT),
  version: z.literal(PROJECT_VERSION),
  name: z.string(),
  clips: z.array(ClipSchema),
  view: ViewSettingsSchema,
  analysis: AnalysisSettingsSchema,
  sequence: SequenceSchema,
});
export type ProjectDoc = Omit<z.infer<typeof ProjectSchema>, 'sequence'> & { sequence: Sequence };

export function emptyProject(name = 'Untitled'): ProjectDoc {
  return {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name,
    clips: [],
    view: ViewSettingsSchema.parse({}),
    analysis: AnalysisSettingsSchema.parse({}),
    sequence: emptySequence(),
  };
}
