/** Public surface of the effects module (CLI, API, app, export). */
export { effectRegistry, effectIds, getEffect } from './registry.ts';
export { parseEffectSpec, loadEffectStack, loadEffectInstance, serializeEffectStack } from '../../common/effects/stack.ts';
export { evaluateParams, evaluateKeys, ease } from '../../common/effects/keyframes.ts';
export { applyStack, prepareDepth, type Picture, type PreparedDepth } from './apply.ts';
export { depthRangeOf, mergeRanges, toDistance, fromDistance, focusFromPixel, nearRatioOf, distanceMapping, type DepthRange } from '../../common/effects/distance.ts';
export { guidedUpsample } from './upsample.ts';
export { renderFrame, type FrameJob, type FrameResult } from './frame-job.ts';
export { createEffectPool, inlinePool, type EffectPool } from './pool.ts';
export type { ParamSpec, ParamType, ParamValue, ResolvedParams } from '../../common/effects/params.ts';
export type { EffectDef, EffectId, EffectInstance, EffectStack, Keyframe, Easing } from '../../common/effects/types.ts';
