import { z } from 'zod';
import { UserError } from '../errors.ts';
import { PROJECT_FORMAT, PROJECT_VERSION, ProjectSchema, type ProjectDoc } from './schema.ts';

/**
 * Version 1 (the first app builds) held ONE clip: `media` with the path and size, the effect stack and
 * in/out at the top level, and no analysis settings. Version 2 holds a list of clips, each with its own
 * stack and a content fingerprint. Version 3 adds the sequence (clips cut together); a v2 project exported
 * its selected clip, so that clip becomes the sequence's one instance, with its in/out and effects.
 * Migrations run in sequence, so v1 -> v2 -> ... -> current.
 */
const V1Schema = z.object({
  format: z.literal(PROJECT_FORMAT),
  version: z.literal(1),
  name: z.string().optional(),
  media: z
    .object({
      path: z.string(),
      size: z.number().optional(),
      frameCount: z.number().int().nonnegative(),
      fps: z.number().positive(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    })
    .nullable(),
  effects: z.array(z.unknown()).default([]),
  inPoint: z.number().int().nonnegative().optional(),
  outPoint: z.number().int().nonnegative().optional(),
  view: z.object({ mode: z.string().optional(), playhead: z.number().optional() }).optional(),
});

const V2Picked = z.object({
  clips: z.array(z.object({ id: z.string(), in: z.number().int(), out: z.number().int(), effects: z.array(z.unknown()) })),
  view: z.object({ selectedClip: z.string().nullable().optional() }).optional(),
});

type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

const migrations: Record<number, Migration> = {
  1: (raw) => {
    const v1 = V1Schema.parse(raw);
    const m = v1.media;
    const mode = ['composite', 'depth', 'split', '3d'].includes(v1.view?.mode ?? '') ? v1.view!.mode : 'composite';
    return {
      format: PROJECT_FORMAT,
      version: 2,
      name: v1.name ?? 'Untitled',
      clips: m
        ? [
            {
              id: 'clip-1',
              path: m.path,
              name: m.path.split(/[\\/]/).pop() ?? m.path,
              // v1 stored no content hash: the media check computes one on first open.
              fingerprint: null,
              frameCount: m.frameCount,
              fps: m.fps,
              width: m.width,
              height: m.height,
              in: v1.inPoint ?? 0,
              out: v1.outPoint ?? Math.max(0, m.frameCount - 1),
              effects: v1.effects,
            },
          ]
        : [],
      view: { mode, playhead: Math.max(0, Math.round(v1.view?.playhead ?? 0)), selectedClip: m ? 'clip-1' : null },
      analysis: {},
    };
  },
  2: (raw) => {
    const v2 = V2Picked.parse(raw);
    const c = v2.clips.find((x) => x.id === v2.view?.selectedClip) ?? v2.clips[0];
    const video = c ? [{ id: 'inst-1', clipId: c.id, in: c.in, out: c.out, at: 0, audioLinked: true, effects: c.effects }] : [];
    return { ...raw, version: 3, sequence: { settings: null, video, audio: [], markers: [], range: null } };
  },
};

/** Any saved version -> the current document; a newer or foreign file is a clear UserError. */
export function migrateProject(raw: unknown, source = 'project'): ProjectDoc {
  if (!raw || typeof raw !== 'object' || (raw as { format?: unknown }).format !== PROJECT_FORMAT) {
    throw new UserError(`${source} is not a GemDepth project file (no "format": "${PROJECT_FORMAT}")`);
  }
  let doc = raw as Record<string, unknown>;
  const v = doc.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new UserError(`${source} has an invalid project version ${JSON.stringify(v)}`);
  }
  let version: number = v;
  if (version > PROJECT_VERSION) {
    throw new UserError(
      `${source} was saved by a newer GemDepth Studio (project version ${version}, this build reads up to ${PROJECT_VERSION}): update the app`,
    );
  }
  try {
    while (version < PROJECT_VERSION) {
      doc = migrations[version](doc);
      version = doc.version as number;
    }
  } catch (e) {
    if (e instanceof z.ZodError) throw new UserError(`${source} (version ${String(doc.version)}) is damaged: ${z.prettifyError(e).split('\n')[0]}`);
    throw e;
  }
  const parsed = ProjectSchema.safeParse(doc);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserError(`${source} is damaged: ${first.path.join('.') || 'document'}: ${first.message}`);
  }
  return parsed.data;
}
