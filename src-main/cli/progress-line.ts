import type { Progress } from '../common/types.ts';

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function formatProgress(p: Progress): string {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 0;
  const dev = p.device ? `  [${p.device}]` : '';
  const msg = p.message ? `  ${p.message}` : '';
  return `${p.stage}: ${p.done}/${p.total} frames (${pct}%)  ${p.fps.toFixed(1)} fps  ETA ${formatEta(p.etaSeconds)}${dev}${msg}`;
}

/**
 * One rewritten line on a terminal; on a pipe or CI log, a plain line every few seconds so logs stay short.
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  let lastPlain = 0;
  let lastLen = 0;
  let active = false;
  let lastMessage: string | undefined;
  return {
    update(p: Progress) {
      // A note (CUDA fallback, cache eviction, "from cache") gets a line of its own, once, so the
      // rewritten progress line cannot hide it.
      if (p.message && p.message !== lastMessage) {
        lastMessage = p.message;
        if (active) stream.write('\n');
        active = false;
        lastLen = 0;
        stream.write(`${p.stage}: ${p.message}\n`);
      }
      const line = formatProgress({ ...p, message: undefined });
      if (stream.isTTY) {
        stream.write('\r' + line.padEnd(lastLen));
        lastLen = line.length;
        active = true;
      } else if (Date.now() - lastPlain > 3000 || p.done === p.total) {
        stream.write(line + '\n');
        lastPlain = Date.now();
      }
    },
    end() {
      if (active) stream.write('\n');
      active = false;
      lastLen = 0;
    },
  };
}
