import { useEffect, useState } from 'react';
import type { CacheInfo } from '../../src-main/common/api/types.ts';
import { bridge, errorText } from '../api.ts';
import { downloadModel, importModelFile, setAnalysisSettings } from '../state/actions.ts';
import { useApp } from '../state/store.ts';

export function SettingsDialog() {
  const info = useApp((s) => s.info);
  const analysis = useApp((s) => s.hist.present.analysis);
  const [check, setCheck] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [fovText, setFovText] = useState(analysis.fovDeg === null ? '' : String(analysis.fovDeg));
  const current = info?.models.find((m) => m.id === analysis.model);
  const [cache, setCache] = useState<CacheInfo | null>(null);
  const [cacheNote, setCacheNote] = useState<string | null>(null);
  useEffect(() => {
    bridge().cacheInfo({}).then(setCache, (e: unknown) => setCacheNote(errorText(e)));
  }, []);
  const gb = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GB`;
  const size = (b: number) => (b < 1024 ** 3 ? `${(b / 1024 ** 2).toFixed(1)} MB` : gb(b));
  const clearCache = async () => {
    try {
      const r = await bridge().clearCache({});
      const proxies = r.removedProxies > 0 ? ` and ${r.removedProxies} playback ${r.removedProxies === 1 ? 'proxy' : 'proxies'}` : '';
      setCacheNote(`Removed ${r.removed} ${r.removed === 1 ? 'analysis' : 'analyses'}${proxies} (${size(r.freedBytes)}).` + (r.keptBytes > 0 ? " Open clips' analyses and proxies, and analyses used in the last 10 minutes, were kept." : ''));
      setCache(await bridge().cacheInfo({}));
    } catch (e) {
      setCacheNote(errorText(e));
    }
  };

  const pickModel = async () => {
    setBusy(true);
    setCheck(await importModelFile());
    setBusy(false);
  };

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Settings" data-testid="settings">
        <h3>Settings</h3>
        <label>
          Depth model
          <select value={analysis.model} onChange={(e) => void setAnalysisSettings({ model: e.target.value })} data-testid="model-select">
            {info?.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} {m.installed ? '' : '(not installed)'}
              </option>
            ))}
          </select>
        </label>
        {current && (
          <div className="model-info">
            <p className={current.commercialUse ? 'hint' : 'warn'}>{current.licence}</p>
            {current.installed ? (
              <p className="ok">Installed: {current.path}</p>
            ) : (
              <p className="warn">
                Not installed.{' '}
                {current.downloadable ? (
                  <button onClick={() => void downloadModel(current.id, current.commercialUse ? undefined : current.licence)}>
                    {current.partialBytes ? 'Resume download' : 'Download'}
                  </button>
                ) : (
                  <>Get it from {current.source} and import the file below.</>
                )}
              </p>
            )}
          </div>
        )}
        <p>
          <button onClick={() => void pickModel()} disabled={busy} data-testid="import-model">
            {busy ? 'Checking…' : 'Import model file…'}
          </button>{' '}
          <span className="hint">An ONNX file you pick is checked against the model manifests (checksum, inputs, outputs) before it is installed.</span>
        </p>
        {check && <p className={check.ok ? 'ok' : 'error'} data-testid="model-check">{check.message}</p>}
        <label>
          Device
          <select
            value={analysis.device}
            onChange={(e) => void setAnalysisSettings({ device: e.target.value as 'auto' | 'cpu' | 'cuda' })}
          >
            <option value="auto">Automatic (CUDA when available)</option>
            <option value="cpu">CPU</option>
            <option value="cuda">CUDA</option>
          </select>
        </label>
        <p className="hint">
          Automatic here: {info?.device.device.toUpperCase()} — {info?.device.reason}. ffmpeg: {info?.ffmpeg}
        </p>
        <h4>Camera and 3D consistency</h4>
        <label>
          Field of view (degrees)
          <input
            type="number"
            min={10}
            max={170}
            step={1}
            placeholder="estimated from the footage"
            value={fovText}
            onChange={(e) => {
              // Kept as typed ("6" on the way to "65"); the setting changes once it is a valid angle or empty.
              setFovText(e.target.value);
              const v = e.target.value === '' ? null : Number(e.target.value);
              if (v === null || (v >= 10 && v <= 170)) void setAnalysisSettings({ fovDeg: v }, 'fov');
            }}
            data-testid="fov-input"
          />
        </label>
        <label>
          <input type="checkbox" checked={analysis.fusion} onChange={(e) => void setAnalysisSettings({ fusion: e.target.checked })} data-testid="fusion-toggle" />{' '}
          Fuse each frame's depth with its neighbours'
        </label>
        <p className="hint">
          The camera's horizontal field of view when you know it (leave empty to use the model's, else the one estimated from the footage, shown beside each analysed clip; 60 when the footage cannot tell). Fusion makes
          the depth of still scenes steadier; turn it off for footage dominated by things that move. A clip is analysed
          again for other settings; the earlier analysis stays in the cache.
        </p>
        <h4>Cache (depth and playback proxies)</h4>
        <p className="hint" data-testid="cache-info">
          {cache
            ? `${cache.analyses} ${cache.analyses === 1 ? 'analysis' : 'analyses'}, ${gb(cache.bytes)}${cache.limitBytes ? ` of ${gb(cache.limitBytes)}` : ''} in ${cache.dir}; ` +
              `${cache.proxies.files} playback ${cache.proxies.files === 1 ? 'proxy' : 'proxies'}, ${size(cache.proxies.bytes)} of ${gb(cache.proxies.limitBytes)}. ` +
              'The oldest are removed when full; a removed analysis or proxy is made again when needed.'
            : 'Reading…'}
        </p>
        <p>
          <button onClick={() => void clearCache()} disabled={!cache || cache.analyses + cache.proxies.files === 0} data-testid="clear-cache">
            Clear cache
          </button>{' '}
          {cacheNote && <span className="hint" data-testid="cache-note">{cacheNote}</span>}
        </p>
        <div className="modal-actions">
          <button className="primary" onClick={() => useApp.setState({ dialog: null })}>Close</button>
        </div>
      </div>
    </div>
  );
}
