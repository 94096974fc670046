type Axis = { readonly i0: Int32Array; readonly i1: Int32Array; readonly w: Float32Array };
// Every frame of a clip is resized between the same sizes: the grids are made once (read only).
const axes = new Map<string, Axis>();

/** Bilinear sampling grid (half-pixel centres, like ffmpeg and OpenCV): source index and weight per output index. Shared: never written. */
export function axis(outN: number, inN: number): Axis {
  const key = `${outN}:${inN}`;
  let a = axes.get(key);
  if (!a) {
    if (axes.size > 16) axes.clear();
    axes.set(key, (a = makeAxis(outN, inN)));
  }
  return a;
}

function makeAxis(outN: number, inN: number): Axis {
  const i0 = new Int32Array(outN);
  const i1 = new Int32Array(outN);
  const w = new Float32Array(outN);
  const s = inN / outN;
  for (let o = 0; o < outN; o++) {
    const x = Math.min(Math.max((o + 0.5) * s - 0.5, 0), inN - 1);
    const f = Math.floor(x);
    i0[o] = f;
    i1[o] = Math.min(f + 1, inN - 1);
    w[o] = x - f;
  }
  return { i0, i1, w };
}

/** Resizes interleaved 8-bit RGB; used only for small network inputs, where quality matters little. */
export function resizeRgb(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  if (sw === dw && sh === dh) return src;
  const out = new Uint8Array(dw * dh * 3);
  const X = axis(dw, sw);
  const Y = axis(dh, sh);
  for (let y = 0; y < dh; y++) {
    const r0 = Y.i0[y] * sw * 3;
    const r1 = Y.i1[y] * sw * 3;
    const wy = Y.w[y];
    for (let x = 0; x < dw; x++) {
      const a = X.i0[x] * 3;
      const b = X.i1[x] * 3;
      const wx = X.w[x];
      const o = (y * dw + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[r0 + a + c] * (1 - wx) + src[r0 + b + c] * wx;
        const bot = src[r1 + a + c] * (1 - wx) + src[r1 + b + c] * wx;
        out[o + c] = Math.round(top * (1 - wy) + bot * wy);
      }
    }
  }
  return out;
}

/** Resizes one float plane (network output to depth resolution); `into`: a dw x dh array to fill instead of a new one. */
export function resizePlane(src: Float32Array, sw: number, sh: number, dw: number, dh: number, into?: Float32Array): Float32Array {
  if (sw === dw && sh === dh) return src;
  const out = into?.length === dw * dh ? into : new Float32Array(dw * dh);
  const X = axis(dw, sw);
  const Y = axis(dh, sh);
  for (let y = 0; y < dh; y++) {
    const r0 = Y.i0[y] * sw;
    const r1 = Y.i1[y] * sw;
    const wy = Y.w[y];
    const o = y * dw;
    if (wy === 0) {
      // Source row falls exactly on this one (same height, e.g. the network's 224x224 -> 398x224).
      for (let x = 0; x < dw; x++) {
        const wx = X.w[x];
        out[o + x] = src[r0 + X.i0[x]] * (1 - wx) + src[r0 + X.i1[x]] * wx;
      }
      continue;
    }
    for (let x = 0; x < dw; x++) {
      const a = X.i0[x];
      const b = X.i1[x];
      const wx = X.w[x];
      const top = src[r0 + a] * (1 - wx) + src[r0 + b] * wx;
      const bot = src[r1 + a] * (1 - wx) + src[r1 + b] * wx;
      out[y * dw + x] = top * (1 - wy) + bot * wy;
    }
  }
  return out;
}
