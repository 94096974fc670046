import { useEffect } from 'react';
import { redoEdit, selectedClip, setView, undoEdit, useApp, edit } from './store.ts';
import { saveProject } from './actions.ts';
import { playRate, setPlaying, stepFrames } from './playback.ts';

export const typing = (t: EventTarget | null) => {
  const el = t as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable) return true;
  // Sliders and checkboxes keep arrow keys only while focused; text-like inputs keep every key.
  return tag === 'INPUT' && !['checkbox', 'button', 'color'].includes((el as HTMLInputElement).type);
};

/** Editor keys: space, J/K/L, arrows, I/O, Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y), Ctrl+S. */
export function useKeyboard() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void saveProject(e.shiftKey);
        return;
      }
      if (typing(e.target)) return;
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) redoEdit();
        else undoEdit();
        return;
      }
      if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        redoEdit();
        return;
      }
      if (mod || e.altKey) return;
      const s = useApp.getState();
      switch (e.key) {
        case ' ':
          e.preventDefault();
          setPlaying(s.playing ? 0 : 1);
          break;
        case 'j':
        case 'J':
          setPlaying(s.playing && playRate() < 0 ? playRate() * 2 : -1);
          break;
        case 'k':
        case 'K':
          setPlaying(0);
          break;
        case 'l':
        case 'L':
          setPlaying(s.playing && playRate() > 0 ? playRate() * 2 : 1);
          break;
        case 'ArrowLeft':
          e.preventDefault();
          stepFrames(e.shiftKey ? -10 : -1);
          break;
        case 'ArrowRight':
          e.preventDefault();
          stepFrames(e.shiftKey ? 10 : 1);
          break;
        case 'Home':
          setView({ playhead: selectedClip()?.in ?? 0 });
          break;
        case 'End':
          setView({ playhead: selectedClip()?.out ?? 0 });
          break;
        case 'i':
        case 'I':
        case 'o':
        case 'O': {
          const clip = selectedClip();
          if (!clip) break;
          const f = s.view.playhead;
          const isIn = e.key.toLowerCase() === 'i';
          edit((d) => ({
            ...d,
            clips: d.clips.map((c) =>
              c.id !== clip.id ? c : isIn ? { ...c, in: Math.min(f, c.out) } : { ...c, out: Math.max(f, c.in) },
            ),
          }));
          break;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

