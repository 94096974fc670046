import { z } from 'zod';
import { UserError } from '../errors.ts';
import { isAnimatable, parseHexColor, rangeText, type ParamSpec, type ParamValue } from './params.ts';
import { effectIds, getEffectSpec } from './specs.ts';
import { EASINGS, type EffectSpec, type EffectInstance, type EffectStack, type Keyframe } from './types.ts';

/**
 * Loading and parsing effect stacks. The JSON format (an array of EffectInstance, or a preset object
 * { name?, description?, effects: [...] }) is the same for CLI presets (--effects stack.json) and the
 * project file; every value is checked against the effect's ParamSpec, and every problem is one
 * UserError line naming the bad thing and what is valid.
 */

function valueSchema(p: ParamSpec): z.ZodType<ParamValue> {
  switch (p.type) {
    case 'number':
      return z.number().finite().min(p.min ?? -Infinity).max(p.max ?? Infinity);
    case 'vec3': {
      const n = z.number().finite().min(p.min ?? -Infinity).max(p.max ?? Infinity);
      return z.tuple([n, n, n]) as z.ZodType<ParamValue>;
    }
    case 'color':
      return z.string().regex(/^#[0-9a-fA-F]{6}$/).transform((s) => s.toLowerCase()) as unknown as z.ZodType<ParamValue>;
    case 'bool':
      return z.boolean();
    case 'enum':
      return z.enum((p.options ?? []) as [string, ...string[]]);
  }
}

const EntrySchema = z
  .object({
    effect: z.string(),
    enabled: z.boolean().default(true),
    params: z.record(z.string(), z.unknown()).default({}),
    keyframes: z.record(z.string(), z.array(z.unknown())).default({}),
  })
  .strict();

const KeyShape = z.object({ t: z.number().finite().min(0), value: z.unknown(), ease: z.enum(EASINGS as [string, ...string[]]).default('linear') }).strict();

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function checkValue(def: EffectSpec, spec: ParamSpec, v: unknown, where: string): ParamValue {
  const r = valueSchema(spec).safeParse(v);
  if (r.success) return r.data;
  throw new UserError(`${where}: ${def.id} parameter '${spec.name}' = ${show(v)} is not valid (expected ${spec.type} ${rangeText(spec)})`, 'EEFFECT');
}

function findParam(def: EffectSpec, name: string, where: string): ParamSpec {
  const spec = def.params.find((p) => p.name === name);
  if (!spec) {
    throw new UserError(`${where}: unknown parameter '${name}' for effect ${def.id}; valid parameters: ${def.params.map((p) => p.name).join(', ')}`, 'EEFFECT');
  }
  return spec;
}

function findEffect(id: string, where: string): EffectSpec {
  const def = getEffectSpec(id);
  if (!def) throw new UserError(`${where}: unknown effect '${id}'; valid effects: ${effectIds().join(', ')}`, 'EEFFECT');
  return def;
}

export function loadEffectInstance(json: unknown, where = 'effect'): EffectInstance {
  const base = EntrySchema.safeParse(json);
  if (!base.success) {
    const i = base.error.issues[0];
    throw new UserError(`${where}: ${i.path.join('.') || 'entry'}: ${i.message} (expected { effect, enabled?, params?, keyframes? })`, 'EEFFECT');
  }
  const e = base.data;
  const def = findEffect(e.effect, where);
  const params: Record<string, ParamValue> = {};
  for (const spec of def.params) params[spec.name] = spec.default;
  for (const [name, v] of Object.entries(e.params)) params[name] = checkValue(def, findParam(def, name, where), v, where);
  for (const spec of def.params) {
    const given = (n: string) => Object.hasOwn(e.params, n) || Object.hasOwn(e.keyframes, n);
    if (spec.offWhenSet && !given(spec.name) && spec.offWhenSet.some(given)) params[spec.name] = false;
  }
  const keyframes: Record<string, Keyframe[]> = {};
  for (const [name, list] of Object.entries(e.keyframes)) {
    const spec = findParam(def, name, where);
    if (!isAnimatable(spec)) throw new UserError(`${where}: ${def.id} parameter '${name}' (${spec.type}) cannot be keyframed; only number, color and vec3 can`, 'EEFFECT');
    if (!list.length) continue;
    const keys = list.map((k, n) => {
      const r = KeyShape.safeParse(k);
      if (!r.success) {
        const i = r.error.issues[0];
        throw new UserError(`${where}: keyframe ${n} of '${name}': ${i.path.join('.') || 'key'}: ${i.message} (expected { t: seconds >= 0, value, ease? })`, 'EEFFECT');
      }
      return { t: r.data.t, value: checkValue(def, spec, r.data.value, `${where}: keyframe ${n} of '${name}'`), ease: r.data.ease as Keyframe['ease'] };
    });
    keys.sort((a, b) => a.t - b.t);
    for (let n = 1; n < keys.length; n++) {
      if (keys[n].t === keys[n - 1].t) throw new UserError(`${where}: two keyframes of '${name}' at t=${keys[n].t} s`, 'EEFFECT');
    }
    keyframes[name] = keys;
  }
  return { effect: def.id, enabled: e.enabled, params, keyframes };
}

/** A preset file or a project's stack: an array of entries, or { name?, description?, effects: [...] }. */
export function loadEffectStack(json: unknown): EffectStack {
  let list: unknown = json;
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => !['name', 'description', 'effects'].includes(k));
    if (!Array.isArray(o.effects) || extra.length) {
      throw new UserError(`effect stack: expected an array of effects or { name?, description?, effects: [...] }${extra.length ? `, found key '${extra[0]}'` : ''}`, 'EEFFECT');
    }
    list = o.effects;
  }
  if (!Array.isArray(list)) throw new UserError('effect stack: expected an array of effects, e.g. [{ "effect": "fog", "params": { "density": 1 } }]', 'EEFFECT');
  return list.map((e, i) => loadEffectInstance(e, `effect stack entry ${i + 1}`));
}

/** The JSON form (what presets and projects store); loadEffectStack(serialize(s)) deep-equals s. */
export function serializeEffectStack(stack: EffectStack): EffectInstance[] {
  return JSON.parse(JSON.stringify(stack)) as EffectInstance[];
}

function parseSpecValue(spec: ParamSpec, raw: string): unknown {
  const s = raw.trim();
  switch (spec.type) {
    case 'number':
      return s === '' ? NaN : Number(s);
    case 'color': {
      const c = parseHexColor(s);
      return c ? '#' + (s.startsWith('#') ? s.slice(1) : s).replace(/^([0-9a-f])([0-9a-f])([0-9a-f])$/i, '$1$1$2$2$3$3').toLowerCase() : s;
    }
    case 'vec3': {
      const parts = s.split(/[;/]/).map((x) => (x.trim() === '' ? NaN : Number(x)));
      return parts.length === 3 ? parts : s;
    }
    case 'bool':
      if (/^(true|1|on|yes)$/i.test(s)) return true;
      if (/^(false|0|off|no)$/i.test(s)) return false;
      return s;
    case 'enum':
      return s;
  }
}

/** CLI form: 'fog:density=0.5,color=#b0c4de,start=0.2' (vec3 as x;y;z or x/y/z). */
export function parseEffectSpec(specText: string): EffectInstance {
  const where = `--effect ${specText}`;
  const colon = specText.indexOf(':');
  const id = (colon < 0 ? specText : specText.slice(0, colon)).trim();
  const def = findEffect(id, where);
  const params: Record<string, unknown> = {};
  const rest = colon < 0 ? '' : specText.slice(colon + 1);
  for (const part of rest.split(',').filter((p) => p.trim())) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new UserError(`${where}: '${part}' is not name=value; valid parameters: ${def.params.map((p) => p.name).join(', ')}`, 'EEFFECT');
    const name = part.slice(0, eq).trim();
    const spec = findParam(def, name, where);
    const v = parseSpecValue(spec, part.slice(eq + 1));
    params[name] = checkValue(def, spec, v, where);
  }
  return loadEffectInstance({ effect: def.id, params }, where);
}
