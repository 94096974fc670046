import { useEffect } from 'react';
import { notify, selectedClip, setView, useApp } from './store.ts';

/**
 * Playback runs on a wall clock at the clip's frame rate: the playhead is where the clock is, and a
 * frame the viewer could not draw in time is dropped rather than the clock slowed (the viewer always
 * fetches the newest playhead, see preview/use-frame-data.ts). When a <video> element plays the source
 * (preview/video-playback.ts), its clock drives the playhead instead, so picture and sound stay together.
 */
let rate = 0;
let drawn = 0;
let dropped = 0;
export const playRate = () => rate;

/** Frames drawn and dropped since play started (the benchmark reads them from the canvas' dataset). */
export const playStats = () => ({ drawn, dropped });

export function setPlaying(r: number) {
  const next = Math.max(-8, Math.min(8, r));
  const clip = selectedClip();
  if (next !== 0 && rate === 0 && clip) {
    // As NLEs do: play starts inside in/out. From outside it (or from the end it would stop at at once)
    // it starts at the in point (the out point backwards), and says so.
    const f = useApp.getState().view.playhead;
    if (next > 0 && (f < clip.in || f >= clip.out)) {
      setView({ playhead: clip.in });
      notify('info', `Playing from the in point (frame ${clip.in}): the playhead (frame ${f}) was ${f === clip.out ? 'at the out point' : 'outside in/out'}`);
    } else if (next < 0 && (f > clip.out || f <= clip.in)) {
      setView({ playhead: clip.out });
      notify('info', `Playing backwards from the out point (frame ${clip.out}): the playhead (frame ${f}) was ${f === clip.in ? 'at the in point' : 'outside in/out'}`);
    }
  }
  if (next !== 0 && rate === 0) drawn = dropped = 0;
  rate = next;
  useApp.setState({ playing: rate !== 0 });
}

let lastDrawn = -1;
export function frameDrawn(index: number) {
  if (rate !== 0 && index !== lastDrawn) {
    drawn++;
    if (lastDrawn >= 0) dropped += Math.max(0, Math.abs(index - lastDrawn) - 1);
  }
  lastDrawn = index;
}

export function stepFrames(n: number) {
  const clip = selectedClip();
  if (!clip) return;
  setPlaying(0);
  const f = useApp.getState().view.playhead;
  setView({ playhead: Math.max(0, Math.min(clip.frameCount - 1, f + n)) });
}

/** An external clock (a playing <video>) takes over the playhead while it is set. */
let external = false;
/** The wall clock's loop, stopped while an external clock drives (a loop of its own would ask the page for a frame every vsync). */
let resumeClock: (() => void) | null = null;
export function setExternalClock(on: boolean) {
  external = on;
  if (!on) resumeClock?.();
}

export function usePlayback() {
  const playing = useApp((s) => s.playing);
  useEffect(() => {
    if (!playing) return;
    const clip0 = selectedClip();
    if (!clip0) return setPlaying(0);
    let t0 = performance.now();
    let f0 = useApp.getState().view.playhead;
    let r0 = rate;
    let raf = 0;
    const tick = (t: number) => {
      if (external) {
        raf = 0;
        return;
      }
      raf = requestAnimationFrame(tick);
      const clip = selectedClip();
      if (!clip) return setPlaying(0);
      if (rate !== r0) {
        // A J/L speed change restarts the clock from where the playhead is.
        t0 = t;
        f0 = useApp.getState().view.playhead;
        r0 = rate;
      }
      const next = f0 + Math.trunc(((t - t0) / 1000) * clip.fps * rate);
      if (next > clip.out || next < clip.in) {
        setView({ playhead: next > clip.out ? clip.out : clip.in });
        return setPlaying(0);
      }
      if (next !== useApp.getState().view.playhead) setView({ playhead: next });
    };
    raf = requestAnimationFrame(tick);
    resumeClock = () => {
      if (raf) return;
      t0 = performance.now();
      f0 = useApp.getState().view.playhead;
      raf = requestAnimationFrame(tick);
    };
    return () => {
      resumeClock = null;
      cancelAnimationFrame(raf);
    };
  }, [playing]);
}
