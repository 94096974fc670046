import type { Rational } from './types.ts';

/** An fps number as an exact rational rate, NTSC-style rates snapped to their exact value. */
export function rationalFromFps(fps: number): Rational {
  for (const base of [24, 30, 60, 120]) {
    if (Math.abs(fps - (base * 1000) / 1001) < 1e-3) return { num: base * 1000, den: 1001 };
  }
  const den = 1000;
  return { num: Math.round(fps * den), den };
}

export const rateOf = (r: Rational): number => r.num / r.den;
