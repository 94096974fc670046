import type { FrameImage, ProxyFrame } from '../../src-main/common/api/types.ts';

/** RGBA pixels (canvas getImageData) to the RGB rows a FrameImage carries, into `out` when given. */
export function rgbaToRgb(rgba: Uint8ClampedArray, n: number, out = new Uint8Array(n * 3)): Uint8Array {
  for (let i = 0, j = 0; j < n * 3; i += 4, j += 3) {
    out[j] = rgba[i];
    out[j + 1] = rgba[i + 1];
    out[j + 2] = rgba[i + 2];
  }
  return out;
}

let scratch: { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D } | null = null;

/** A proxy JPEG (app/proxy-frames.ts) as a FrameImage, decoded by the browser's own image decoder. */
export async function decodeProxy(p: ProxyFrame): Promise<FrameImage> {
  const bmp = await createImageBitmap(new Blob([p.jpeg as BlobPart], { type: 'image/jpeg' }));
  try {
    if (!scratch) {
      const canvas = new OffscreenCanvas(p.width, p.height);
      scratch = { canvas, ctx: canvas.getContext('2d', { willReadFrequently: true })! };
    }
    const { canvas, ctx } = scratch;
    if (canvas.width !== p.width || canvas.height !== p.height) {
      canvas.width = p.width;
      canvas.height = p.height;
    }
    ctx.drawImage(bmp, 0, 0, p.width, p.height);
    const data = rgbaToRgb(ctx.getImageData(0, 0, p.width, p.height).data, p.width * p.height);
    return { index: p.index, time: p.time, width: p.width, height: p.height, data };
  } finally {
    bmp.close();
  }
}
