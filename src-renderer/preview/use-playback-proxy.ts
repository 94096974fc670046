import { useEffect, useState } from 'react';
import { bridge } from '../api.ts';
import { useApp } from '../state/store.ts';

/** How often the viewer asks whether a clip's playback proxy is made yet. */
const POLL_MS = 1000;

/**
 * The clip's playback proxy (app/playback-proxy.ts) once the engine has made it, else null: the <video>
 * plays the source until then. The answer changes only while the playhead is not playing, so a playing
 * <video> is never swapped under the clock (a proxy ready during play is taken at the next stop).
 */
export function usePlaybackProxy(path: string | null): string | null {
  const [proxy, setProxy] = useState<{ path: string; file: string } | null>(null);
  useEffect(() => {
    if (!path) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const s = await bridge()
        .getPlaybackProxy({ path })
        .catch(() => null);
      if (!live || !s || s.state === 'failed') return;
      if (s.state === 'ready' && !useApp.getState().playing) return setProxy({ path, file: s.path });
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path]);
  return proxy && proxy.path === path ? proxy.file : null;
}
