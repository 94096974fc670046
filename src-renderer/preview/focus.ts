import { depthRangeOf, focusFromPixel, toDistance } from '../../src-main/common/effects/distance.ts';
import type { FrameData } from './use-frame-data.ts';
import { edit, notify, timeFor, useApp } from '../state/store.ts';
import { setParam, type EffectInstance } from '../state/effects-model.ts';

/**
 * Click-to-focus: the refocus effect's focus distance (normalised distance, effects/distance.ts) is set
 * to the distance under the click, at the playhead (a key when focus is keyframed: a focus pull), and
 * focusing on the subject is turned off (the click is the user's choice).
 */
export function pickFocus(clipId: string, data: FrameData, x: number, y: number, frame: number) {
  const d = data.depth;
  if (!d) return;
  const clip = useApp.getState().hist.present.clips.find((c) => c.id === clipId);
  if (!clip) return;
  const stack = clip.effects as EffectInstance[];
  const i = stack.findIndex((e) => e.effect === 'refocus');
  if (i < 0) return notify('info', 'Add a Refocus effect to set focus by clicking the picture.');
  const range = d.range ?? depthRangeOf(d);
  const dist = toDistance(d.data, range);
  const focus = focusFromPixel(dist, d.width, d.height, x, y);
  const v = Math.round(focus * 1000) / 1000;
  edit((doc) => ({
    ...doc,
    clips: doc.clips.map((c) => (c.id !== clipId ? c : { ...c, effects: stack.map((e, j) => (j === i ? setParam({ ...e, params: { ...e.params, autoFocus: false } }, 'focus', v, frame, timeFor(c)) : e)) })),
  }));
  useApp.setState({ selectedEffect: i });
  notify('info', `Focus set to distance ${v}`);
}

