/**
 * Where an export's extra passes go, named after the exported video. Pure string work (no node:), so
 * the renderer's export dialog and the main process's write grants derive the same names.
 */
export interface ExportSidecars {
  depthPng: string;
  depthMkv: string;
  pointcloud: string;
  cameraPath: string;
}

/** A path without its extension. */
export const withoutExtension = (p: string): string => p.replace(/\.[^./\\]+$/, '');

export function exportSidecars(out: string): ExportSidecars {
  const base = withoutExtension(out);
  return { depthPng: `${base}_depth_png`, depthMkv: `${base}_depth.mkv`, pointcloud: `${base}.ply`, cameraPath: `${base}_camera` };
}
