import { Canvas } from '@react-three/fiber';
import { OrbitControls } from '@react-three/drei';
import { useEffect, useMemo, useRef, useState } from 'react';
import * as THREE from 'three';
import type { SceneData } from '../../src-main/common/api/types.ts';
import { bridge, errorText } from '../api.ts';
import { analysisRequest, selectedClip, setView, useApp } from '../state/store.ts';
import { frameDrawn } from '../state/playback.ts';

/** Latest-wins fetch of the pose-aligned cloud around the playhead. */
function useScene(path: string | null, index: number, stride: number, accumulate: number) {
  const [scene, setScene] = useState<SceneData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const epoch = useApp((s) => s.depthEpoch);
  const settings = useApp((s) => s.hist.present.analysis);
  const busy = useRef(false);
  const next = useRef<(() => Promise<void>) | null>(null);
  useEffect(() => {
    if (!path) return;
    next.current = async () => {
      try {
        const s = await bridge().getScene({ path, index, stride, accumulate, ...analysisRequest(settings) });
        setScene(s);
        // Playback waits for each frame to be shown; in 3D the cloud is what is shown.
        frameDrawn(index);
        setError(s ? null : 'Analyse this clip to see it in 3D.');
      } catch (e) {
        setError(errorText(e));
      }
    };
    if (busy.current) return;
    void (async () => {
      busy.current = true;
      while (next.current) {
        const job = next.current;
        next.current = null;
        await job();
      }
      busy.current = false;
    })();
  }, [path, index, stride, accumulate, epoch, settings]);
  return { scene, error };
}

function Points({ scene, size }: { scene: SceneData; size: number }) {
  const geom = useMemo(() => {
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(scene.positions, 3));
    g.setAttribute('color', new THREE.BufferAttribute(scene.colors, 3, true));
    g.computeBoundingSphere();
    return g;
  }, [scene]);
  useEffect(() => () => geom.dispose(), [geom]);
  return (
    <points geometry={geom}>
      <pointsMaterial size={size} sizeAttenuation={false} vertexColors />
    </points>
  );
}

/** Camera frustums along the path: a pyramid per pose (subsampled), the playhead's one highlighted. */
function Frustums({ scene, scale }: { scene: SceneData; scale: number }) {
  const K = scene.intrinsics;
  const { path, current } = useMemo(() => {
    const corners = [
      [0, 0],
      [K.width, 0],
      [K.width, K.height],
      [0, K.height],
    ].map(([u, v]) => [((u - K.cx) / K.fx) * scale, ((v - K.cy) / K.fy) * scale, scale]);
    const segs = (m: number[]) => {
      const tr = (p: number[]) => [
        m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
        m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
        m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
      ];
      const o = tr([0, 0, 0]);
      const c = corners.map(tr);
      const out: number[] = [];
      for (let i = 0; i < 4; i++) out.push(...o, ...c[i], ...c[i], ...c[(i + 1) % 4]);
      return out;
    };
    const n = scene.poses.length;
    const every = Math.max(1, Math.ceil(n / 60));
    const all: number[] = [];
    scene.poses.forEach((p, i) => {
      if (p && i % every === 0) all.push(...segs(p));
    });
    const cur = scene.poses[scene.index - scene.firstFrame];
    return { path: new Float32Array(all), current: cur ? new Float32Array(segs(cur)) : null };
  }, [scene, scale, K]);
  return (
    <>
      <Segments positions={path} color="#7f8ca3" />
      {current && <Segments positions={current} color="#ffcc33" />}
    </>
  );
}

function Segments({ positions, color }: { positions: Float32Array; color: string }) {
  return (
    <lineSegments>
      <bufferGeometry>
        <bufferAttribute attach="attributes-position" args={[positions, 3]} />
      </bufferGeometry>
      <lineBasicMaterial color={color} />
    </lineSegments>
  );
}

export function SceneView() {
  const clip = useApp((s) => selectedClip(s));
  const playhead = useApp((s) => s.view.playhead);
  const pointSize = useApp((s) => s.view.pointSize);
  const stride = useApp((s) => s.view.pointStride);
  const accumulate = useApp((s) => s.view.accumulate);
  const { scene, error } = useScene(clip?.path ?? null, playhead, stride, accumulate);
  const extent = useMemo(() => {
    if (!scene || scene.positions.length < 3) return 1;
    // Median distance from the origin sizes the frustums and the initial view, whatever the depth units.
    const d: number[] = [];
    const step = Math.max(3, Math.floor(scene.positions.length / 3000) * 3);
    for (let i = 0; i < scene.positions.length; i += step) d.push(Math.hypot(scene.positions[i], scene.positions[i + 1], scene.positions[i + 2]));
    d.sort((a, b) => a - b);
    return d[d.length >> 1] || 1;
    // Only the first cloud of a clip sets the scale, so the view does not jump while scrubbing.
  }, [scene !== null, clip?.id]);

  return (
    <div className="scene-view" data-testid="scene-view" data-points={scene ? scene.positions.length / 3 : 0}>
      <div className="scene-controls">
        <label>
          Point size
          <input type="range" min={1} max={8} step={0.5} value={pointSize} onChange={(e) => setView({ pointSize: Number(e.target.value) })} />
        </label>
        <label>
          Density
          <select value={stride} onChange={(e) => setView({ pointStride: Number(e.target.value) })}>
            {[1, 2, 3, 4, 6, 8].map((s) => (
              <option key={s} value={s}>1/{s * s}</option>
            ))}
          </select>
        </label>
        <label>
          Accumulate ±
          <input type="number" min={0} max={60} value={accumulate} onChange={(e) => setView({ accumulate: Math.max(0, Math.min(60, Number(e.target.value))) })} />
          frames
        </label>
        <span className="hint">{scene ? `${(scene.positions.length / 3).toLocaleString()} points · ${scene.poses.length ? 'pose-aligned' : 'no poses'}` : ''}</span>
      </div>
      {error && <div className="overlay-msg">{error}</div>}
      <Canvas
        camera={{ position: [0, 0, 0], fov: 60, near: 0.001 * extent, far: 100 * extent, up: [0, 1, 0] }}
        gl={{ preserveDrawingBuffer: true, antialias: false }}
        dpr={1}
        onCreated={({ camera }) => {
          camera.position.set(extent * 0.6, extent * 0.5, extent * 0.9);
        }}
      >
        <color attach="background" args={['#101216']} />
        {/* OpenCV axes (y down, z forward) -> three.js (y up, z toward the viewer): rotate 180° about X. */}
        <group rotation={[Math.PI, 0, 0]}>
          {scene && <Points scene={scene} size={pointSize} />}
          {scene && scene.poses.length > 0 && <Frustums scene={scene} scale={extent * 0.08} />}
        </group>
        <axesHelper args={[extent * 0.1]} />
        <OrbitControls makeDefault target={[0, 0, -extent]} />
      </Canvas>
    </div>
  );
}
