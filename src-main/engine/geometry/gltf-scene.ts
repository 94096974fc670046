import { AnimationClip, BufferAttribute, BufferGeometry, Matrix4, Object3D, PerspectiveCamera, MeshBasicMaterial, Points, Quaternion, QuaternionKeyframeTrack, Scene, Vector3, VectorKeyframeTrack } from 'three';
import { GLTFExporter } from 'three/examples/jsm/exporters/GLTFExporter.js';
import { writeFileAtomic } from '../../util/atomic.ts';
import type { Intrinsics, Mat4 } from '../../common/types.ts';
import type { PointCloud } from './pointcloud.ts';

export interface GltfShot {
  /** The shot's camera-to-world poses (OpenCV axes) and their times in seconds from the shot's start. */
  poses: Mat4[];
  times: number[];
  /** Source frame numbers of the poses (kept in the camera's extras). */
  indices: number[];
  K: Intrinsics;
  cloud: PointCloud;
  unit: string;
  name: string;
}

/**
 * OpenCV (x right, y down, z forward) to glTF (y up, camera looking down -z): the world is turned half a
 * turn about x, and so is each camera's own frame: c2w' = F c2w F with F = diag(1, -1, -1).
 */
function toGl(m: Mat4): Matrix4 {
  const F = new Matrix4().makeScale(1, -1, -1);
  const c2w = new Matrix4().set(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], 0, 0, 0, 1);
  return F.clone().multiply(c2w).multiply(F);
}

/** The three.js scene of one shot: the fused point cloud and a camera animated along the path. */
export function shotScene(s: GltfShot): { scene: Scene; clip: AnimationClip } {
  const scene = new Scene();
  scene.name = s.name;
  scene.userData = { unit: s.unit, convention: 'glTF: y up, camera looks down -z; world = the shot\'s first camera turned half a turn about x' };
  const geo = new BufferGeometry();
  const pos = new Float32Array(s.cloud.positions.length);
  for (let i = 0; i < pos.length; i += 3) { pos[i] = s.cloud.positions[i]; pos[i + 1] = -s.cloud.positions[i + 1]; pos[i + 2] = -s.cloud.positions[i + 2]; }
  geo.setAttribute('position', new BufferAttribute(pos, 3));
  const col = new Float32Array(s.cloud.colors.length);
  // glTF vertex colours are linear; the frames' colours are sRGB.
  for (let i = 0; i < col.length; i++) { const c = s.cloud.colors[i] / 255; col[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }
  geo.setAttribute('color', new BufferAttribute(col, 3));
  // The exporter writes materials of the glTF core (an unlit-looking basic one here); loaders draw a POINTS primitive as points whatever it is.
  const points = new Points(geo, new MeshBasicMaterial({ vertexColors: true }));
  points.name = 'fused point cloud';
  scene.add(points);
  const K = s.K;
  const yfov = 2 * Math.atan(K.height / 2 / K.fy);
  const aspect = (K.width / K.fx) / (K.height / K.fy);
  const cam = new PerspectiveCamera((yfov * 180) / Math.PI, aspect, 0.01, 1000);
  cam.name = 'camera';
  cam.userData = { frames: s.indices, intrinsics: K, unit: s.unit };
  const rig = new Object3D();
  rig.name = 'camera path';
  rig.add(cam);
  scene.add(rig);
  const t: number[] = [], q: number[] = [];
  const p = new Vector3(), r = new Quaternion(), sc = new Vector3();
  s.poses.forEach((m, i) => {
    toGl(m).decompose(p, r, sc);
    t.push(p.x, p.y, p.z);
    q.push(r.x, r.y, r.z, r.w);
    if (i === 0) { rig.position.copy(p); rig.quaternion.copy(r); }
  });
  const clip = new AnimationClip('camera path', -1, [
    new VectorKeyframeTrack('camera path.position', s.times, t),
    new QuaternionKeyframeTrack('camera path.quaternion', s.times, q),
  ]);
  return { scene, clip };
}

/**
 * three.js's GLTFExporter, headless: its binary path reads its own Blobs back through the browser's
 * FileReader, which Node lacks; the few lines it uses are provided while it runs (Node has Blob).
 */
async function exportGlb(scene: Scene, clip: AnimationClip): Promise<ArrayBuffer> {
  const g = globalThis as { FileReader?: unknown };
  const had = 'FileReader' in g;
  if (!had) g.FileReader = BlobReader;
  try {
    return (await new GLTFExporter().parseAsync(scene, { binary: true, animations: [clip] })) as ArrayBuffer;
  } finally {
    if (!had) delete g.FileReader;
  }
}

class BlobReader {
  result: ArrayBuffer | null = null;
  onloadend: (() => void) | null = null;
  readAsArrayBuffer(b: Blob) {
    void b.arrayBuffer().then((r) => { this.result = r; this.onloadend?.(); });
  }
}

/** One shot as a binary glTF 2.0 file (.glb), written atomically. */
export async function writeShotGlb(path: string, s: GltfShot): Promise<void> {
  const { scene, clip } = shotScene(s);
  await writeFileAtomic(path, new Uint8Array(await exportGlb(scene, clip)));
}
