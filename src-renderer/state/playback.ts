import { useEffect } from 'react';
import { selectedClip, setView, useApp } from './store.ts';

/**
 * Playback advances the playhead at the clip's frame rate, but never past a frame that has not been
 * drawn yet: the viewer reports each drawn frame, so slow decoding plays slower instead of skipping.
 */
let rate = 0;
let lastDrawn = -1;
export const playRate = () => rate;

export function setPlaying(r: number) {
  rate = Math.max(-8, Math.min(8, r));
  useApp.setState({ playing: rate !== 0 });
}

export function frameDrawn(index: number) {
  lastDrawn = index;
}

export function stepFrames(n: number) {
  const clip = selectedClip();
  if (!clip) return;
  setPlaying(0);
  const f = useApp.getState().view.playhead;
  setView({ playhead: Math.max(0, Math.min(clip.frameCount - 1, f + n)) });
}

export function usePlayback() {
  const playing = useApp((s) => s.playing);
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let raf = 0;
    const tick = (t: number) => {
      raf = requestAnimationFrame(tick);
      const clip = selectedClip();
      if (!clip) return setPlaying(0);
      const f = useApp.getState().view.playhead;
      if (lastDrawn !== f) return;
      if (t - last < 1000 / (clip.fps * Math.abs(rate))) return;
      last = t;
      const next = f + Math.sign(rate);
      if (next > clip.out || next < clip.in) return setPlaying(0);
      setView({ playhead: next });
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing]);
}
