import { describe, expect, it } from 'vitest';
import { placeInto, placement } from '../../src-main/engine/sequence/conform.ts';

describe('conform to the sequence frame', () => {
  const frame = { width: 1280, height: 720 };
  it('fit letterboxes, fill crops the centre, stretch takes the frame size', () => {
    expect(placement({ width: 320, height: 240 }, frame, 'fit')).toEqual({ inner: { width: 960, height: 720 }, x: 160, y: 0 });
    expect(placement({ width: 320, height: 240 }, frame, 'fill')).toEqual({ inner: { width: 1280, height: 960 }, x: 0, y: -120 });
    expect(placement({ width: 320, height: 240 }, frame, 'stretch')).toEqual({ inner: { width: 1280, height: 720 }, x: 0, y: 0 });
    expect(placement({ width: 1280, height: 720 }, frame, 'fit')).toEqual({ inner: { width: 1280, height: 720 }, x: 0, y: 0 });
  });

  it('places pixels: bars black in fit, the middle rows kept in fill', () => {
    const px = (w: number, h: number, f: (x: number, y: number) => number) => {
      const a = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
      return a;
    };
    const small = { width: 4, height: 2 };
    const fit = placeInto(px(2, 2, () => 200), { inner: { width: 2, height: 2 }, x: 1, y: 0 }, new Uint8Array(4 * 2 * 3).fill(7), small);
    expect([...fit].filter((_, i) => i % 3 === 0)).toEqual([0, 200, 200, 0, 0, 200, 200, 0]);
    const fill = placeInto(px(4, 4, (_x, y) => 10 * (y + 1)), { inner: { width: 4, height: 4 }, x: 0, y: -1 }, new Uint8Array(4 * 2 * 3), small);
    expect([...fill].filter((_, i) => i % 3 === 0)).toEqual([20, 20, 20, 20, 30, 30, 30, 30]);
  });
});
