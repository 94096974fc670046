import type { Conform } from '../../common/project/sequence-schema.ts';

/**
 * Conforming a clip of another size to the sequence frame. The clip is scaled once (by ffmpeg, while
 * decoding) to `inner`, the effects run at that size (depth is upsampled to the picture it belongs to),
 * then the picture is placed into the sequence frame: centred on black (fit), centre-cropped (fill) or
 * as is (stretch, where inner already is the frame size).
 */
export interface Placement {
  /** The size the clip is decoded and rendered at. */
  inner: { width: number; height: number };
  /** Where the inner picture's top-left lands in the frame (negative: cropped). */
  x: number;
  y: number;
}

export function placement(src: { width: number; height: number }, frame: { width: number; height: number }, mode: Conform): Placement {
  if (mode === 'stretch' || (src.width === frame.width && src.height === frame.height)) return { inner: { ...frame }, x: 0, y: 0 };
  const sx = frame.width / src.width;
  const sy = frame.height / src.height;
  const s = mode === 'fit' ? Math.min(sx, sy) : Math.max(sx, sy);
  // Even sizes keep chroma siting of the scaler symmetric; the side that fills the frame is exact.
  const side = (v: number, full: number) => (Math.abs(v - full) < 1 ? full : Math.max(2, 2 * Math.round(v / 2)));
  const width = side(src.width * s, frame.width);
  const height = side(src.height * s, frame.height);
  return { inner: { width, height }, x: Math.floor((frame.width - width) / 2), y: Math.floor((frame.height - height) / 2) };
}

export const isIdentity = (p: Placement, frame: { width: number; height: number }) =>
  p.x === 0 && p.y === 0 && p.inner.width === frame.width && p.inner.height === frame.height;

/** Copies the inner RGB picture into an RGB frame at the placement; uncovered pixels are black. */
export function placeInto(src: Uint8Array, p: Placement, dst: Uint8Array, frame: { width: number; height: number }): Uint8Array {
  const { width: iw, height: ih } = p.inner;
  const W = frame.width;
  const H = frame.height;
  if (p.x > 0 || p.y > 0) dst.fill(0);
  const x0 = Math.max(0, p.x);
  const x1 = Math.min(W, p.x + iw);
  const rowBytes = (x1 - x0) * 3;
  for (let y = Math.max(0, p.y); y < Math.min(H, p.y + ih); y++) {
    const from = ((y - p.y) * iw + (x0 - p.x)) * 3;
    dst.set(src.subarray(from, from + rowBytes), (y * W + x0) * 3);
  }
  return dst;
}
