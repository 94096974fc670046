import { describe, expect, it } from 'vitest';
import { hypot2, hypot3 } from '../../src-main/engine/geometry/linalg.ts';
import { rng } from '../../src-main/engine/geometry/pose.ts';

// The geometry's output must stay byte-identical where Math.hypot was replaced: every bit is compared.
describe('hypot2 / hypot3', () => {
  const rand = rng(7);
  // Signed values over twelve decades, zeros and ones mixed in (a bearing's third component is 1).
  const value = () => { const u = rand(); return u < 0.05 ? 0 : u < 0.1 ? 1 : (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6); };
  const specials = [0, -0, 1, -1, NaN, Infinity, -Infinity, 5e-324, 1e308, 1.5e-300, 3, 4];

  it('equal Math.hypot to the last bit on random and special arguments', () => {
    let bad = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = value(), y = value(), z = value();
      if (!Object.is(hypot2(x, y), Math.hypot(x, y))) bad++;
      if (!Object.is(hypot3(x, y, z), Math.hypot(x, y, z))) bad++;
    }
    for (const x of specials) for (const y of specials) {
      if (!Object.is(hypot2(x, y), Math.hypot(x, y))) bad++;
      for (const z of specials) if (!Object.is(hypot3(x, y, z), Math.hypot(x, y, z))) bad++;
    }
    expect(bad).toBe(0);
  });

  it('are not the plain root of the sum of squares (which overflows and rounds differently)', () => {
    expect(hypot2(1e200, 1e200)).toBe(Math.hypot(1e200, 1e200));
    expect(Math.sqrt(1e200 * 1e200 + 1e200 * 1e200)).toBe(Infinity);
  });
});
