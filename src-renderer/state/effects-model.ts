import type { EffectSpecView } from '../../src-main/common/api/types.ts';
import type { EffectInstance, Keyframe } from '../../src-main/common/effects/types.ts';
import type { ParamValue } from '../../src-main/common/effects/params.ts';
import { evaluateParams } from '../../src-main/common/effects/keyframes.ts';
import { toHexColor } from '../../src-main/common/effects/params.ts';
import { nearestFrame } from '../../src-main/common/timestamps.ts';

/**
 * Editing helpers over the effects module's own instance format ({ effect, enabled, params, keyframes },
 * keys at times in seconds). Evaluation is the effects module's evaluateParams, the same code export
 * runs, so the preview and the export agree on every keyframed value.
 */
export type { EffectInstance, Keyframe };

export function defaultInstance(spec: EffectSpecView): EffectInstance {
  const params: Record<string, ParamValue> = {};
  for (const p of spec.params) params[p.name] = p.default;
  return { effect: spec.id as EffectInstance['effect'], enabled: true, params, keyframes: {} };
}

/**
 * Frame <-> time on a clip: keys sit at the frame's presentation time (what export evaluates at), so a
 * key set on frame N applies exactly on frame N even for variable-frame-rate footage.
 */
export interface ClipTime {
  timeOf(frame: number): number;
  frameOf(t: number): number;
}

export function clipTime(timestamps: readonly number[] | undefined, fps: number): ClipTime {
  if (!timestamps?.length) return { timeOf: (f) => f / fps, frameOf: (t) => Math.round(t * fps) };
  return {
    timeOf: (f) => timestamps[Math.max(0, Math.min(timestamps.length - 1, f))],
    frameOf: (t) => nearestFrame(timestamps, t),
  };
}

export const keysOf = (inst: EffectInstance, name: string): Keyframe[] => inst.keyframes?.[name] ?? [];
export const keyAt = (inst: EffectInstance, name: string, frame: number, ct: ClipTime) => keysOf(inst, name).find((k) => ct.frameOf(k.t) === frame) ?? null;

/** Set a parameter at the playhead: keyframed params get (or update) a key there; others change globally. */
export function setParam(inst: EffectInstance, name: string, value: ParamValue, frame: number, ct: ClipTime): EffectInstance {
  const keys = keysOf(inst, name);
  if (keys.length === 0) return { ...inst, params: { ...inst.params, [name]: value } };
  const old = keyAt(inst, name, frame, ct);
  const next = keys.filter((k) => k !== old).concat({ t: ct.timeOf(frame), value, ease: old?.ease ?? 'linear' });
  next.sort((a, b) => a.t - b.t);
  return { ...inst, keyframes: { ...inst.keyframes, [name]: next } };
}

/** The keyframe toggle: add a key with the current value at the playhead, or remove the key there. */
export function toggleKey(inst: EffectInstance, name: string, frame: number, ct: ClipTime, current: ParamValue): EffectInstance {
  const keys = keysOf(inst, name);
  const old = keyAt(inst, name, frame, ct);
  const next = old ? keys.filter((k) => k !== old) : [...keys, { t: ct.timeOf(frame), value: current, ease: 'linear' as const }].sort((a, b) => a.t - b.t);
  const keyframes = { ...inst.keyframes, [name]: next };
  if (next.length === 0) delete keyframes[name];
  // Removing the last key keeps its value as the static one, so the picture does not jump.
  const params = next.length === 0 ? { ...inst.params, [name]: current } : inst.params;
  return { ...inst, params, keyframes };
}

/** Values at a frame in storage form (colours as #hex) for the inspector's controls. */
export function storedValuesAt(spec: EffectSpecView, inst: EffectInstance, frame: number, ct: ClipTime): Record<string, ParamValue> {
  const r = evaluateParams(spec.params, inst, ct.timeOf(frame));
  const out: Record<string, ParamValue> = {};
  for (const p of spec.params) {
    const v = r[p.name];
    out[p.name] = p.type === 'color' && Array.isArray(v) ? toHexColor(v) : (v as ParamValue);
  }
  return out;
}
