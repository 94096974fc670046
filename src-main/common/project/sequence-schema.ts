import { z } from 'zod';

/**
 * The sequence: one video track of clip instances cut together, the audio that follows them, and the
 * sequence's own size and rate. An instance names a clip of the project's media bin by id and a range of
 * its frames; the same clip may appear any number of times. Effects belong to the instance, with keyframe
 * times in clip time (seconds of the source), so keys move with the clip when it is moved or trimmed.
 */
export const RationalSchema = z.object({ num: z.number().int().positive(), den: z.number().int().positive() });

/** How a clip of another size fills the sequence frame: letterboxed, cropped to cover, or stretched. */
export const ConformSchema = z.enum(['fit', 'fill', 'stretch']);
export type Conform = z.infer<typeof ConformSchema>;

export const SequenceSettingsSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  frameRate: RationalSchema,
  conform: ConformSchema.default('fit'),
});
export type SequenceSettings = z.infer<typeof SequenceSettingsSchema>;

export const ClipInstanceSchema = z.object({
  id: z.string().min(1),
  clipId: z.string().min(1),
  /** Inclusive source frames of the clip. */
  in: z.number().int().nonnegative(),
  out: z.number().int().nonnegative(),
  /** First sequence frame the instance covers. */
  at: z.number().int().nonnegative(),
  /** The clip's own audio plays under the instance unless unlinked (then it lives in `audio`). */
  audioLinked: z.boolean().default(true),
  /** Effect stack in the effects preset format; keyframe times are seconds of the source clip. */
  effects: z.array(z.unknown()).default([]),
});
export type ClipInstance = Omit<z.infer<typeof ClipInstanceSchema>, 'effects'> & { effects: unknown[] };

/** Audio placed on its own (unlinked from its video): a source range at a sequence frame. */
export const AudioItemSchema = z.object({
  id: z.string().min(1),
  clipId: z.string().min(1),
  in: z.number().int().nonnegative(),
  out: z.number().int().nonnegative(),
  at: z.number().int().nonnegative(),
});
export type AudioItem = z.infer<typeof AudioItemSchema>;

export const MarkerSchema = z.object({
  id: z.string().min(1),
  /** Sequence frame. */
  frame: z.number().int().nonnegative(),
  label: z.string().default(''),
});
export type Marker = z.infer<typeof MarkerSchema>;

export const SequenceSchema = z.object({
  /** null: the size and rate of the first clip placed on the track. */
  settings: SequenceSettingsSchema.nullable().default(null),
  /** Kept sorted by `at`, never overlapping; space between instances is a gap (black, silent). */
  video: z.array(ClipInstanceSchema).default([]),
  audio: z.array(AudioItemSchema).default([]),
  markers: z.array(MarkerSchema).default([]),
  /** Export range, inclusive sequence frames; null: the whole sequence. */
  range: z.object({ in: z.number().int().nonnegative(), out: z.number().int().nonnegative() }).nullable().default(null),
});
export type Sequence = Omit<z.infer<typeof SequenceSchema>, 'video'> & { video: ClipInstance[] };

export const emptySequence = (): Sequence => SequenceSchema.parse({});
