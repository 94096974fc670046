import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  effectRegistry,
  evaluateParams,
  loadEffectInstance,
  loadEffectStack,
  parseEffectSpec,
  serializeEffectStack,
} from '../../src-main/engine/effects/index.ts';
import { UserError } from '../../src-main/common/errors.ts';
import { REPO_ROOT } from '../helpers/shared.ts';

const userError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected a UserError');
};

describe('parameter schema', () => {
  it('every parameter has a label, a default inside its range, and numeric ranges', () => {
    for (const def of Object.values(effectRegistry)) {
      for (const p of def.params) {
        expect(p.label, `${def.id}.${p.name}`).toBeTruthy();
        const values = p.type === 'number' ? [p.default as number] : p.type === 'vec3' ? (p.default as number[]) : [];
        for (const v of values) {
          expect(v).toBeGreaterThanOrEqual(p.min!);
          expect(v).toBeLessThanOrEqual(p.max!);
        }
      }
      // Defaults alone must load: the schema validates its own defaults.
      expect(loadEffectStack([{ effect: def.id }])[0].params).toEqual(Object.fromEntries(def.params.map((p) => [p.name, p.default])));
    }
  });
});

describe('parseEffectSpec (CLI)', () => {
  it('parses numbers, colours, booleans and vec3, filling defaults', () => {
    const e = parseEffectSpec('fog:density=0.5,color=#B0C4DE,start=1,heightFog=true');
    expect(e.effect).toBe('fog');
    expect(e.params).toMatchObject({ density: 0.5, color: '#b0c4de', start: 1, heightFog: true, falloff: 1 });
    expect(parseEffectSpec('relight:pointPosition=0.5;-0.5;0.2').params.pointPosition).toEqual([0.5, -0.5, 0.2]);
    expect(parseEffectSpec('fog:color=abc').params.color).toBe('#aabbcc');
    expect(parseEffectSpec('refocus').params.focus).toBe(0.2);
  });

  it('rejects unknown effects, unknown parameters and out-of-range values with one line naming the valid ones', () => {
    expect(userError(() => parseEffectSpec('fgo:density=1'))).toMatch(/unknown effect 'fgo'.*fog, refocus, relight/);
    expect(userError(() => parseEffectSpec('fog:dens=1'))).toMatch(/unknown parameter 'dens'.*color, density, behindSubject, start/);
    expect(userError(() => parseEffectSpec('fog:density=12'))).toMatch(/'density' = 12 .*0\.\.10/);
    expect(userError(() => parseEffectSpec('fog:density=abc'))).toMatch(/'density'/);
    expect(userError(() => parseEffectSpec('fog:color=#zzzzzz'))).toMatch(/'color'.*#rrggbb/);
    expect(userError(() => parseEffectSpec('relight:pointPosition=1;2'))).toMatch(/pointPosition/);
    expect(userError(() => parseEffectSpec('fog:density'))).toMatch(/not name=value/);
  });
});

describe('loadEffectStack (presets and project files)', () => {
  const presetDir = join(REPO_ROOT, 'presets');
  const presets = readdirSync(presetDir).filter((f) => f.endsWith('.json'));

  it('ships presets, each loads and round-trips through JSON unchanged', () => {
    expect(presets.length).toBeGreaterThanOrEqual(3);
    for (const f of presets) {
      const stack = loadEffectStack(JSON.parse(readFileSync(join(presetDir, f), 'utf8')));
      expect(stack.length).toBeGreaterThan(0);
      const again = loadEffectStack(JSON.parse(JSON.stringify(serializeEffectStack(stack))));
      expect(again).toEqual(stack);
    }
  });

  it('keyframes are sorted on load and validated against the parameter range', () => {
    const s = loadEffectStack([{ effect: 'fog', keyframes: { density: [{ t: 2, value: 1 }, { t: 0, value: 0 }] } }]);
    expect(s[0].keyframes.density.map((k) => k.t)).toEqual([0, 2]);
    expect(s[0].keyframes.density[0].ease).toBe('linear');
    expect(userError(() => loadEffectStack([{ effect: 'fog', keyframes: { density: [{ t: 0, value: 99 }] } }]))).toMatch(/keyframe 0 of 'density'.*0\.\.10/);
    expect(userError(() => loadEffectStack([{ effect: 'fog', keyframes: { heightFog: [{ t: 0, value: true }] } }]))).toMatch(/cannot be keyframed/);
    expect(userError(() => loadEffectStack([{ effect: 'fog', keyframes: { density: [{ t: 1, value: 0 }, { t: 1, value: 1 }] } }]))).toMatch(/two keyframes/);
    expect(userError(() => loadEffectStack({ effects: [{ effect: 'fog', extra: 1 }] }))).toMatch(/entry 1/);
    expect(userError(() => loadEffectStack('fog'))).toMatch(/expected an array/);
  });
});

describe('keyframe interpolation', () => {
  const fog = effectRegistry.fog;
  const inst = loadEffectStack([
    {
      effect: 'fog',
      keyframes: {
        density: [
          { t: 1, value: 0, ease: 'linear' },
          { t: 3, value: 2, ease: 'ease-in-out' },
          { t: 5, value: 4, ease: 'hold' },
          { t: 6, value: 8 },
        ],
        color: [{ t: 0, value: '#000000' }, { t: 2, value: '#ff8000' }],
      },
    },
  ])[0];
  const at = (t: number) => evaluateParams(fog.params, inst, t);

  it('holds before the first and after the last key', () => {
    expect(at(0).density).toBe(0);
    expect(at(10).density).toBe(8);
  });
  it('linear, eased and held segments', () => {
    expect(at(2).density).toBeCloseTo(1, 10); // linear midpoint
    expect(at(1.5).density).toBeCloseTo(0.5, 10);
    expect(at(4).density).toBeCloseTo(3, 10); // smoothstep midpoint = 0.5
    expect(at(3.5).density).toBeCloseTo(2 + 2 * 0.15625, 10); // smoothstep(0.25)
    expect(at(5.5).density).toBe(4); // hold
    expect(at(6).density).toBe(8);
  });
  it('colours interpolate per channel; unkeyed parameters keep their value', () => {
    const c = at(1).color as number[];
    expect(c[0]).toBeCloseTo(0.5, 6);
    expect(c[1]).toBeCloseTo(128 / 255 / 2, 6);
    expect(c[2]).toBe(0);
    expect(at(1).start).toBe(effectRegistry.fog.params.find((p) => p.name === 'start')!.default);
  });
});

describe('subject-relative switches never override a distance the user set', () => {
  it('refocus focuses on the subject unless a focus distance is given; fog starts behind the subject unless a start is', () => {
    expect(parseEffectSpec('refocus').params.autoFocus).toBe(true);
    expect(parseEffectSpec('refocus:focus=0.3').params.autoFocus).toBe(false);
    expect(parseEffectSpec('refocus:focus=0.3,autoFocus=true').params.autoFocus).toBe(true);
    expect(loadEffectInstance({ effect: 'fog' }).params.behindSubject).toBe(true);
    // A project saved before the switch existed, with its start keyframed: it keeps its look.
    const old = loadEffectInstance({ effect: 'fog', params: { density: 1 }, keyframes: { start: [{ t: 0, value: 0.2 }, { t: 1, value: 0.4 }] } });
    expect(old.params.behindSubject).toBe(false);
  });
});
