import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { openAtomicDir } from '../../util/atomic.ts';
import type { OutputPolicy } from '../../util/output-guard.ts';
import { frameImageName } from '../geometry/colmap-model.ts';
import { writeCameraPath } from '../geometry/camera-path.ts';
import { writeShotGlb } from '../geometry/gltf-scene.ts';
import { scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import type { createShotClouds } from '../geometry/shot-clouds.ts';
import { createPointTracker } from '../geometry/track-points.ts';
import type { Intrinsics, Mat4 } from '../../common/types.ts';

export interface CameraExportOptions {
  dir: string;
  /** Whether an earlier camera-path folder may be replaced, and the inputs it must not touch. */
  policy: OutputPolicy;
  /** Also write each frame as images/frame_<source frame>.png (the names the COLMAP model uses). */
  withImages?: boolean;
  /** The analysis's intrinsics (its grid) and the exported frames' size: the export is at the latter. */
  intrinsics: Intrinsics;
  width: number;
  height: number;
  unit: string;
}

/**
 * The camera path of an export, built alongside it frame by frame: poses.json, a COLMAP model per
 * shot with points tracked and triangulated on the exported frames (track-points.ts), optionally the
 * frames themselves, and a glTF scene per shot. Everything lands in a temporary folder that replaces
 * `dir` only when complete.
 */
export async function openCameraExport(o: CameraExportOptions) {
  const K = scaleIntrinsics(o.intrinsics, o.width, o.height);
  const tracker = createPointTracker(K);
  const frames: { index: number; time: number; pose: Mat4; shot: number; confidence: number }[] = [];
  const out = await openAtomicDir(o.dir, o.policy);
  if (o.withImages) await mkdir(join(out.tmp, 'images'));
  return {
    K,
    /** The next exported frame (RGB at the export's size) in order. */
    async frame(f: { index: number; time: number; rgb: Uint8Array; pose: Mat4; shot: number; confidence: number }) {
      tracker.push(f.rgb, f.pose, f.shot);
      frames.push({ index: f.index, time: f.time, pose: f.pose, shot: f.shot, confidence: f.confidence });
      if (o.withImages) {
        const png = new PNG({ width: o.width, height: o.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
        png.data = Buffer.from(f.rgb.buffer, f.rgb.byteOffset, o.width * o.height * 3);
        await writeFile(join(out.tmp, 'images', frameImageName(f.index)), PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 3 }));
      }
    },
    /** Writes the models (with the shots' fused clouds in the glTF scenes) and swaps the folder in. */
    async finish(clouds: ReturnType<typeof createShotClouds> | null): Promise<{ points: number }> {
      const points = tracker.finish();
      const poses = frames.map((f) => f.pose);
      await writeCameraPath(out.tmp, poses, K, frames.map((f) => f.time), {
        indices: frames.map((f) => f.index), shotIds: frames.map((f) => f.shot), confidence: frames.map((f) => f.confidence), points, unit: o.unit,
      });
      for (const shot of [...new Set(frames.map((f) => f.shot))]) {
        const fs = frames.filter((f) => f.shot === shot);
        await writeShotGlb(join(out.tmp, `scene_shot${shot}.glb`), {
          poses: fs.map((f) => f.pose), times: fs.map((f) => f.time - fs[0].time), indices: fs.map((f) => f.index), K, unit: o.unit, name: `shot ${shot}`,
          cloud: clouds?.cloud(shot) ?? { positions: new Float32Array(0), colors: new Uint8Array(0) },
        });
      }
      await out.commit();
      return { points: points.length };
    },
    abort: () => out.abort(),
  };
}
