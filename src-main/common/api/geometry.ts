import { z } from 'zod';

/** Each frame's depth is fused with its posed neighbours' unless a request turns it off (footage dominated by moving things). */
export const DEFAULT_FUSION = true;

/**
 * The geometry settings an analysis is made with: part of which analysis a request means (the engine's
 * GeometrySettings, jobs/analyze.ts). The app, the CLI's analyze and render flags and project files take them from here.
 */
export const GeometryRequest = z
  .object({
    fusion: z.boolean().optional(),
    /** Horizontal field of view; unset: the model's, or estimated from the footage. */
    fovDeg: z.number().min(10).max(170).optional(),
    /** Focal length in pixels at the source resolution (instead of fovDeg). */
    focalPx: z.number().positive().max(1e6).optional(),
    /** Dense multi-view stereo refinement of the depth's shape (slow). */
    multiview: z.boolean().optional(),
  })
  .strict();

export type GeometryRequest = z.infer<typeof GeometryRequest>;
