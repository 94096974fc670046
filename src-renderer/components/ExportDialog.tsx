import { useState } from 'react';
import { exportSidecars, withoutExtension } from '../../src-main/common/export-paths.ts';
import { bridge } from '../api.ts';
import { startExport, type ExportRequest } from '../state/actions.ts';
import { selectedClip, useApp } from '../state/store.ts';


export function ExportDialog() {
  const clip = useApp((s) => selectedClip(s));
  const [out, setOut] = useState(clip ? `${withoutExtension(clip.path)}-gemdepth.mp4` : '');
  const [codec, setCodec] = useState<ExportRequest['codec']>('h264');
  const [quality, setQuality] = useState<'crf' | 'bitrate'>('crf');
  const [crf, setCrf] = useState(18);
  const [bitrate, setBitrate] = useState('8M');
  const [scale, setScale] = useState(1);
  const [range, setRange] = useState<'inout' | 'all'>('inout');
  const [passes, setPasses] = useState({ depthPng: false, depthMkv: false, depthExr: false, pointcloud: false, cameraPath: false });
  if (!clip) return null;

  // The engine writes only where the user chose in the save dialog (which also confirms replacing a file).
  const browse = async () => {
    const p = await bridge().pickPath({ purpose: 'export', defaultPath: out });
    if (p?.length) setOut(p[0]);
    return p?.[0] ?? null;
  };
  const even = (n: number) => Math.max(16, Math.round(n / 2) * 2);
  const submit = async () => {
    const target = await browse();
    if (!target) return;
    const sidecars = exportSidecars(target);
    void startExport({
      out: target,
      replace: true,
      start: range === 'inout' ? clip.in : 0,
      end: range === 'inout' ? clip.out : clip.frameCount - 1,
      ...(scale !== 1 ? { width: even(clip.width * scale), height: even(clip.height * scale) } : {}),
      codec,
      ...(quality === 'crf' ? { crf } : { bitrate }),
      ...(passes.depthPng ? { depthPng: sidecars.depthPng } : {}),
      ...(passes.depthMkv ? { depthMkv: sidecars.depthMkv } : {}),
      ...(passes.depthExr ? { depthExr: sidecars.depthExr } : {}),
      ...(passes.pointcloud ? { pointcloud: sidecars.pointcloud } : {}),
      ...(passes.cameraPath ? { cameraPath: sidecars.cameraPath } : {}),
    });
  };

  return (
    <div className="modal-backdrop">
      <div className="modal export" role="dialog" aria-label="Export" data-testid="export-dialog">
        <h3>Export {clip.name}</h3>
        <label>
          Output file
          <span className="row">
            <input data-testid="export-out" value={out} onChange={(e) => setOut(e.target.value)} spellCheck={false} />
            <button onClick={() => void browse()}>Browse…</button>
          </span>
        </label>
        <label>
          Range
          <select value={range} onChange={(e) => setRange(e.target.value as 'inout' | 'all')}>
            <option value="inout">In to out (frames {clip.in}–{clip.out})</option>
            <option value="all">Whole clip (0–{clip.frameCount - 1})</option>
          </select>
        </label>
        <label>
          Resolution
          <select value={scale} onChange={(e) => setScale(Number(e.target.value))}>
            {[1, 0.75, 0.5, 0.25, 1.5, 2].map((s) => (
              <option key={s} value={s}>
                {even(clip.width * s)}×{even(clip.height * s)} {s === 1 ? '(source)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Codec
          <select value={codec} onChange={(e) => setCodec(e.target.value as ExportRequest['codec'])} data-testid="export-codec">
            <option value="h264">H.264</option>
            <option value="h265">H.265</option>
            <option value="prores">ProRes</option>
            <option value="vp9">VP9</option>
          </select>
        </label>
        <label>
          Quality
          <span className="row">
            <select value={quality} onChange={(e) => setQuality(e.target.value as 'crf' | 'bitrate')}>
              <option value="crf">Constant quality (CRF)</option>
              <option value="bitrate">Bitrate</option>
            </select>
            {quality === 'crf' ? (
              <input type="number" min={0} max={51} value={crf} onChange={(e) => setCrf(Number(e.target.value))} />
            ) : (
              <input value={bitrate} onChange={(e) => setBitrate(e.target.value)} />
            )}
          </span>
        </label>
        <fieldset>
          <legend>Extra passes</legend>
          {(
            [
              ['depthPng', 'Depth as 16-bit PNG sequence'],
              ['depthMkv', 'Depth as FFV1 gray16 MKV'],
              ['depthExr', 'Depth as 32-bit float EXR sequence (Z channel)'],
              ['pointcloud', 'Point cloud (PLY)'],
              ['cameraPath', 'Camera path (JSON, COLMAP and glTF per shot)'],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className="check">
              <input type="checkbox" checked={passes[k]} onChange={(e) => setPasses({ ...passes, [k]: e.target.checked })} /> {label}
            </label>
          ))}
        </fieldset>
        <p className="hint">Audio, frame rate and colour metadata are carried over from the source.</p>
        <div className="modal-actions">
          <button className="primary" onClick={() => void submit()} data-testid="export-start" disabled={!out}>Export</button>
          <button onClick={() => useApp.setState({ dialog: null })}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
