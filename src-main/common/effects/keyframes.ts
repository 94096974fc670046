import { parseHexColor, type ParamSpec, type ParamValue, type ResolvedParams, type ResolvedValue } from './params.ts';
import type { Easing, EffectInstance, Keyframe } from './types.ts';

export function ease(kind: Easing, u: number): number {
  const x = Math.min(1, Math.max(0, u));
  switch (kind) {
    case 'linear':
      return x;
    case 'ease-in':
      return x * x;
    case 'ease-out':
      return 1 - (1 - x) * (1 - x);
    case 'ease-in-out':
      return x * x * (3 - 2 * x);
    case 'hold':
      return 0;
  }
}

/** Colours are interpolated per channel on their 0..1 components (what the kernels consume). */
export function resolveValue(spec: ParamSpec, v: ParamValue): ResolvedValue {
  if (spec.type === 'color') return parseHexColor(String(v)) ?? [0, 0, 0];
  if (spec.type === 'vec3') return [...(v as number[])] as [number, number, number];
  return v;
}

function lerp(a: ResolvedValue, b: ResolvedValue, w: number): ResolvedValue {
  if (typeof a === 'number' && typeof b === 'number') return a + (b - a) * w;
  if (Array.isArray(a) && Array.isArray(b)) return [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * w) as [number, number, number];
  return w < 1 ? a : b;
}

/** Value of one parameter at time `t` (seconds): held before the first and after the last key. */
export function evaluateKeys(spec: ParamSpec, keys: readonly Keyframe[], t: number): ResolvedValue {
  if (t <= keys[0].t) return resolveValue(spec, keys[0].value);
  const last = keys[keys.length - 1];
  if (t >= last.t) return resolveValue(spec, last.value);
  let i = 0;
  while (keys[i + 1].t <= t) i++;
  const k0 = keys[i];
  const k1 = keys[i + 1];
  const u = ease(k0.ease, (t - k0.t) / (k1.t - k0.t));
  return lerp(resolveValue(spec, k0.value), resolveValue(spec, k1.value), u);
}

/** All parameters of an instance at time `t`, keyframes applied. */
export function evaluateParams(specs: readonly ParamSpec[], inst: EffectInstance, t: number): ResolvedParams {
  const out: ResolvedParams = {};
  for (const s of specs) {
    const keys = inst.keyframes[s.name];
    out[s.name] = keys && keys.length ? evaluateKeys(s, keys, t) : resolveValue(s, inst.params[s.name] ?? s.default);
  }
  return out;
}
