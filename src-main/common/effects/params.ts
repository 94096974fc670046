/**
 * The one parameter schema. Every effect declares its parameters here once; the CLI parser, the app's
 * inspector (via the API), the project/preset loader, keyframe evaluation and the GLSL uniform mapping
 * all read these same objects, so a range or default changes in exactly one place.
 */
export type ParamType = 'number' | 'color' | 'vec3' | 'bool' | 'enum';

/** JSON value of a parameter as stored in presets and projects. */
export type ParamValue = number | string | boolean | [number, number, number];

export interface ParamSpec {
  name: string;
  type: ParamType;
  label: string;
  default: ParamValue;
  /** number and vec3 (per component). */
  min?: number;
  max?: number;
  step?: number;
  unit?: string;
  /** enum only. */
  options?: string[];
  description?: string;
  /**
   * bool only: off unless given when any of these parameters is given (a value or keyframes), so a
   * distance the user set, and files written before the switch existed, keep meaning what they said.
   */
  offWhenSet?: string[];
}

/**
 * A parameter after keyframes are evaluated, in the form kernels and shaders use: colours become
 * 0..1 triples of their (sRGB-encoded) components, the hex string being only the storage form;
 * everything else keeps its JSON type.
 */
export type ResolvedValue = number | boolean | string | [number, number, number];
export type ResolvedParams = Record<string, ResolvedValue>;

export const isAnimatable = (p: ParamSpec): boolean => p.type === 'number' || p.type === 'color' || p.type === 'vec3';

export function parseHexColor(hex: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim());
  if (!m) return null;
  let h = m[1];
  if (h.length === 3) h = h.replace(/./g, (c) => c + c);
  const n = parseInt(h, 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

export function toHexColor(c: readonly number[]): string {
  const b = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0');
  return `#${b(c[0])}${b(c[1])}${b(c[2])}`;
}

export function rangeText(p: ParamSpec): string {
  if (p.type === 'enum') return (p.options ?? []).join('|');
  if (p.type === 'bool') return 'true|false';
  if (p.type === 'color') return '#rrggbb';
  const r = `${p.min}..${p.max}`;
  return p.type === 'vec3' ? `x;y;z each ${r}` : r;
}
