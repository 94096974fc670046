import type { ProxyFrame } from '../../src-main/common/api/types.ts';
import type { PreviewPicture } from './picture-upload.ts';

/**
 * A proxy JPEG (app/proxy-frames.ts) as a picture to draw, decoded by the browser's own image decoder off
 * the page's thread (createImageBitmap) and uploaded to the GL preview as it is: no CPU readback of its
 * pixels. A replaced picture's bitmap is freed by the garbage collector (a redraw may still use it).
 */
export async function decodeProxy(p: ProxyFrame): Promise<PreviewPicture> {
  const source = await createImageBitmap(new Blob([p.jpeg as BlobPart], { type: 'image/jpeg' }));
  return { index: p.index, time: p.time, width: p.width, height: p.height, source };
}
