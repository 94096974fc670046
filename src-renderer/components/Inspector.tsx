import type { ParamSpecView } from '../../src-main/common/api/types.ts';
import type { ParamValue } from '../../src-main/common/effects/params.ts';
import { defaultInstance, keyAt, keysOf, setParam, storedValuesAt, toggleKey, type EffectInstance } from '../state/effects-model.ts';
import { edit, selectedClip, timeFor, useApp } from '../state/store.ts';
import type { ClipTime } from '../state/effects-model.ts';
import { useState } from 'react';
import { activeInstance, useSeq } from '../state/sequence.ts';

function editStack(clipId: string, fn: (stack: EffectInstance[]) => EffectInstance[], coalesce?: string) {
  // On the sequence, effects belong to the instance under the playhead (or the selected one).
  const inst = activeInstance();
  if (inst) return edit((d) => ({ ...d, sequence: { ...d.sequence, video: d.sequence.video.map((v) => (v.id === inst.id ? { ...v, effects: fn(v.effects as EffectInstance[]) } : v)) } }), coalesce);
  edit((d) => ({ ...d, clips: d.clips.map((c) => (c.id === clipId ? { ...c, effects: fn(c.effects as EffectInstance[]) } : c)) }), coalesce);
}

export function Inspector() {
  const clip = useApp((s) => selectedClip(s));
  const specs = useApp((s) => s.effectSpecs);
  const frame = useApp((s) => s.view.playhead);
  const selected = useApp((s) => s.selectedEffect);
  const [toAdd, setToAdd] = useState('');
  const media = useApp((s) => (clip ? s.media[clip.id] : undefined));
  const selectedInst = useSeq((q) => q.selected);
  const inst = useApp((s) => activeInstance(s, selectedInst));
  if (!clip) {
    return (
      <section className="panel inspector" data-testid="inspector">
        <h2>Effects</h2>
        <p className="hint">Import a clip to add depth effects.</p>
      </section>
    );
  }
  const stack = (inst ?? clip).effects as EffectInstance[];
  void media; // re-render when timestamps arrive
  const ct = timeFor(clip);
  const add = (id: string) => {
    const spec = specs.find((s) => s.id === id);
    if (!spec) return;
    editStack(clip.id, (st) => [...st, defaultInstance(spec)]);
    useApp.setState({ selectedEffect: stack.length });
  };
  const sel = selected !== null && selected < stack.length ? selected : stack.length ? 0 : null;

  return (
    <section className="panel inspector" data-testid="inspector">
      <h2>Effects</h2>
      <div className="row">
        <select value={toAdd} onChange={(e) => setToAdd(e.target.value)} data-testid="effect-add-select">
          <option value="">Add effect…</option>
          {specs.map((s) => (
            <option key={s.id} value={s.id}>{s.label}</option>
          ))}
        </select>
        <button disabled={!toAdd} onClick={() => (add(toAdd), setToAdd(''))} data-testid="effect-add">Add</button>
      </div>
      <ol className="stack">
        {stack.map((inst, i) => {
          const spec = specs.find((s) => s.id === inst.effect);
          return (
            <li key={i} className={i === sel ? 'selected' : ''} onClick={() => useApp.setState({ selectedEffect: i })} data-testid="effect-item">
              <input
                type="checkbox"
                checked={inst.enabled}
                title="Enable"
                onClick={(e) => e.stopPropagation()}
                onChange={(e) => editStack(clip.id, (st) => st.map((x, j) => (j === i ? { ...x, enabled: e.target.checked } : x)))}
              />
              <span className="grow">{spec?.label ?? inst.effect}</span>
              <button title="Move up" disabled={i === 0} onClick={(e) => (e.stopPropagation(), editStack(clip.id, (st) => swap(st, i, i - 1)), useApp.setState({ selectedEffect: i - 1 }))}>↑</button>
              <button title="Move down" disabled={i === stack.length - 1} onClick={(e) => (e.stopPropagation(), editStack(clip.id, (st) => swap(st, i, i + 1)), useApp.setState({ selectedEffect: i + 1 }))}>↓</button>
              <button title="Remove" onClick={(e) => (e.stopPropagation(), editStack(clip.id, (st) => st.filter((_, j) => j !== i)), useApp.setState({ selectedEffect: null }))}>✕</button>
            </li>
          );
        })}
      </ol>
      {sel !== null && stack[sel] && <ParamEditor clipId={clip.id} index={sel} inst={stack[sel]} frame={frame} ct={ct} />}
    </section>
  );
}

function swap<T>(a: T[], i: number, j: number): T[] {
  const b = [...a];
  [b[i], b[j]] = [b[j], b[i]];
  return b;
}

function ParamEditor({ clipId, index, inst, frame, ct }: { clipId: string; index: number; inst: EffectInstance; frame: number; ct: ClipTime }) {
  const spec = useApp((s) => s.effectSpecs.find((x) => x.id === inst.effect));
  if (!spec) return <p className="error">Unknown effect {inst.effect}</p>;
  const values = storedValuesAt(spec, inst, frame, ct);
  const update = (fn: (x: EffectInstance) => EffectInstance, coalesce?: string) =>
    editStack(clipId, (st) => st.map((x, j) => (j === index ? fn(x) : x)), coalesce);
  return (
    <div className="params" data-testid="params">
      <h3>{spec.label}</h3>
      {spec.params.map((p) => {
        const keyed = keysOf(inst, p.name).length > 0;
        const here = !!keyAt(inst, p.name, frame, ct);
        return (
          <div className="param" key={p.name} data-param={p.name}>
            <label title={p.description ? `${p.name}: ${p.description}` : p.name}>
              {p.label}
              {p.unit ? ` (${p.unit})` : ''}
            </label>
            <ParamControl
              spec={p}
              value={values[p.name]}
              onChange={(v, gesture) => update((x) => setParam(x, p.name, v, frame, ct), gesture ? `param:${clipId}:${index}:${p.name}:${frame}` : undefined)}
            />
            <button
              className={`key-toggle${here ? ' on' : keyed ? ' keyed' : ''}`}
              title={here ? 'Remove keyframe at playhead' : 'Add keyframe at playhead'}
              data-testid={`key-${p.name}`}
              onClick={() => update((x) => toggleKey(x, p.name, frame, ct, values[p.name]))}
            >
              ◆
            </button>
          </div>
        );
      })}
    </div>
  );
}

function ParamControl({ spec, value, onChange }: { spec: ParamSpecView; value: ParamValue; onChange: (v: ParamValue, gesture: boolean) => void }) {
  if (spec.type === 'number') {
    const min = spec.min ?? 0;
    const max = spec.max ?? Math.max(1, Number(spec.default) * 4 || 1);
    const step = spec.step ?? (max - min) / 200;
    const n = Number(value);
    return (
      <span className="row">
        <input type="range" min={min} max={max} step={step} value={n} data-testid={`param-${spec.name}`} onChange={(e) => onChange(Number(e.target.value), true)} />
        <input
          type="number"
          min={min}
          max={max}
          step={step}
          value={Number.isFinite(n) ? +n.toFixed(4) : ''}
          data-testid={`num-${spec.name}`}
          onChange={(e) => e.target.value !== '' && onChange(Math.min(max, Math.max(min, Number(e.target.value))), true)}
        />
      </span>
    );
  }
  if (spec.type === 'color') {
    return <input type="color" value={String(value)} data-testid={`param-${spec.name}`} onChange={(e) => onChange(e.target.value, true)} />;
  }
  if (spec.type === 'bool') {
    return <input type="checkbox" checked={Boolean(value)} data-testid={`param-${spec.name}`} onChange={(e) => onChange(e.target.checked, false)} />;
  }
  if (spec.type === 'enum') {
    return (
      <select value={String(value)} data-testid={`param-${spec.name}`} onChange={(e) => onChange(e.target.value, false)}>
        {(spec.options ?? []).map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    );
  }
  if (Array.isArray(value)) {
    return (
      <span className="row vec">
        {(value as number[]).map((v, i) => (
          <input key={i} type="number" step={0.1} value={v} onChange={(e) => onChange((value as number[]).map((x, j) => (j === i ? Number(e.target.value) : x)) as [number, number, number], true)} />
        ))}
      </span>
    );
  }
  return <input value={String(value)} onChange={(e) => onChange(e.target.value, true)} />;
}
