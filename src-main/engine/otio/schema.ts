import { z } from 'zod';

/**
 * The part of OpenTimelineIO's JSON (.otio) GemDepth reads and writes: Timeline > Stack > Track >
 * Clip / Gap, with RationalTime values at any rate. Items are told apart by OTIO_SCHEMA ("Clip.2"):
 * the name before the dot says what it is, the number its schema version. Anything else is passed
 * through as an unknown item (warned about by the importer, never a crash).
 */
const schemaOf = (name: string) => z.string().regex(new RegExp(`^${name}\\.\\d+$`));
export const kindOf = (o: unknown): string => {
  const s = (o as { OTIO_SCHEMA?: unknown } | null)?.OTIO_SCHEMA;
  return typeof s === 'string' ? s.split('.')[0] : '';
};

export const RationalTimeSchema = z.object({
  OTIO_SCHEMA: schemaOf('RationalTime').optional(),
  rate: z.number().finite().positive({ message: 'rate must be > 0' }),
  value: z.number().finite(),
});
export type RationalTime = z.infer<typeof RationalTimeSchema>;

export const TimeRangeSchema = z.object({
  OTIO_SCHEMA: schemaOf('TimeRange').optional(),
  start_time: RationalTimeSchema,
  duration: RationalTimeSchema.refine((t) => t.value >= 0, { message: 'duration is negative' }),
});
export type TimeRange = z.infer<typeof TimeRangeSchema>;

export const ExternalReferenceSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('ExternalReference'),
  target_url: z.string().min(1),
  available_range: TimeRangeSchema.nullable().optional(),
});

const metadata = z.record(z.string(), z.unknown()).nullable().optional();

export const ClipSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('Clip'),
  name: z.string().nullable().optional(),
  source_range: TimeRangeSchema.nullable().optional(),
  media_reference: z.unknown().optional(),
  media_references: z.record(z.string(), z.unknown()).optional(),
  active_media_reference_key: z.string().optional(),
  effects: z.array(z.unknown()).optional(),
  markers: z.array(z.unknown()).optional(),
  metadata,
});
export type OtioClip = z.infer<typeof ClipSchema>;

export const GapSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('Gap'),
  source_range: TimeRangeSchema,
});

export const MarkerSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('Marker'),
  name: z.string().nullable().optional(),
  marked_range: TimeRangeSchema,
});

export const TrackSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('Track'),
  name: z.string().nullable().optional(),
  kind: z.string().default('Video'),
  children: z.array(z.unknown()),
  markers: z.array(z.unknown()).optional(),
});

export const StackSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('Stack'),
  children: z.array(z.unknown()),
  markers: z.array(z.unknown()).optional(),
});

export const TimelineSchema = z.looseObject({
  OTIO_SCHEMA: schemaOf('Timeline'),
  name: z.string().nullable().optional(),
  tracks: StackSchema,
  metadata,
});

/** Seconds of a RationalTime. */
export const seconds = (t: RationalTime): number => t.value / t.rate;
