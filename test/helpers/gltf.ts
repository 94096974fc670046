import { readFile } from 'node:fs/promises';
import type { AnimationClip, Object3D, PerspectiveCamera, Points } from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';

/** three.js's own loader, as a 3D tool reads the file. */
export async function loadGlb(path: string): Promise<{ scene: Object3D; animations: AnimationClip[]; cameras: PerspectiveCamera[] }> {
  const buf = await readFile(path);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return new Promise((resolve, reject) => new GLTFLoader().parse(ab, '', (g) => resolve({ scene: g.scene, animations: g.animations, cameras: g.cameras as PerspectiveCamera[] }), reject));
}

export function pointCount(scene: Object3D): number {
  let n = 0;
  scene.traverse((o) => { if ((o as Points).isPoints) n += (o as Points).geometry.getAttribute('position').count; });
  return n;
}

