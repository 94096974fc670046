import { mkdir, readFile, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { readChecked, writeChecked } from '../../util/checked-file.ts';
import { type Chunk, type ChunkFrame, chunkIntact, readChunk, writeChunk } from './chunk-file.ts';

interface ChunkRef {
  first: number;
  count: number;
  path: string;
}

const CHUNK_RE = /^chunk_(\d{6,})_(\d+)\.bin$/;
/** Files named so hold results computed from the layer's depth (depth-range.ts): dropped with the depth. */
export const DERIVED_PREFIX = 'derived-';
const stable = (v: unknown) => JSON.stringify(v);

/**
 * One cached depth sequence (a model's raw output, or the geometry-consistent depth) in a folder of
 * checksummed chunks. Every file is written atomically, so a crash leaves whole chunks only; the
 * settings file guards against serving results computed under other settings.
 */
export class DepthLayer {
  private chunks: ChunkRef[] = [];
  private last: Chunk | null = null;

  private constructor(
    readonly dir: string,
    readonly settings: unknown,
  ) {}

  static async open(dir: string, settings: unknown): Promise<DepthLayer> {
    await mkdir(dir, { recursive: true });
    const layer = new DepthLayer(dir, settings);
    let stored: unknown = undefined;
    try {
      stored = JSON.parse(await readFile(join(dir, 'layer.json'), 'utf8'));
    } catch {
      /* new or damaged: rewritten below */
    }
    if (stable(stored) !== stable(settings)) {
      await layer.reset();
      await writeFileAtomic(join(dir, 'layer.json'), stable(settings));
    } else {
      // Marks the entry as used, so cache eviction (evict.ts) removes the least recently used first.
      const now = new Date();
      await utimes(join(dir, 'layer.json'), now, now).catch(() => {});
    }
    await layer.rescan();
    return layer;
  }

  private async rescan(): Promise<void> {
    const names = await readdir(this.dir);
    this.chunks = names
      .map((n) => CHUNK_RE.exec(n))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ first: Number(m[1]), count: Number(m[2]), path: join(this.dir, m[0]) }))
      .sort((a, b) => a.first - b.first);
  }

  /** Drops chunks, state and completion mark (settings stay). */
  async reset(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    // Hidden names are another writer's in-flight temporary files (two jobs on one clip): not ours to delete.
    await Promise.all(names.filter((n) => n !== 'layer.json' && !n.startsWith('.')).map((n) => rm(join(this.dir, n), { recursive: true, force: true })));
    this.chunks = [];
    this.last = null;
  }

  /**
   * Frames 0..n-1 covered by consecutive chunks that pass their checksum. Anything after a gap or a
   * corrupt chunk is deleted, so it is recomputed rather than trusted.
   */
  async validPrefix(): Promise<number> {
    await this.rescan();
    let next = 0;
    const keep: ChunkRef[] = [];
    for (const c of this.chunks) {
      const ok = c.first === next && (await chunkIntact(c.path));
      if (!ok) break;
      keep.push(c);
      next = c.first + c.count;
    }
    for (const c of this.chunks.slice(keep.length)) await rm(c.path, { force: true });
    this.chunks = keep;
    return next;
  }

  /** Removes chunks that start at or after `frame` (a resume recomputes them), and what was derived from them. */
  async truncate(frame: number): Promise<void> {
    for (const c of this.chunks.filter((c) => c.first >= frame)) await rm(c.path, { force: true });
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(DERIVED_PREFIX)).map((n) => rm(join(this.dir, n), { force: true })));
    this.chunks = this.chunks.filter((c) => c.first < frame);
    this.last = null;
    await rm(join(this.dir, 'complete.json'), { force: true });
  }

  async write(first: number, width: number, height: number, frames: ChunkFrame[]): Promise<void> {
    if (!frames.length) return;
    const path = join(this.dir, `chunk_${String(first).padStart(6, '0')}_${frames.length}.bin`);
    await writeChunk(path, { first, width, height, frames });
    this.chunks = this.chunks.filter((c) => c.first !== first);
    this.chunks.push({ first, count: frames.length, path });
    this.chunks.sort((a, b) => a.first - b.first);
  }

  /** One frame, or null when it is not cached or its chunk is corrupt (the caller recomputes). */
  async read(index: number): Promise<(ChunkFrame & { width: number; height: number }) | null> {
    let c = this.last;
    if (!c || index < c.first || index >= c.first + c.frames.length) {
      const ref = this.chunks.find((r) => index >= r.first && index < r.first + r.count);
      if (!ref) return null;
      c = await readChunk(ref.path);
      if (!c) return null;
      this.last = c;
    }
    return { ...c.frames[index - c.first], width: c.width, height: c.height };
  }

  async writeBlob(name: string, data: Buffer): Promise<void> {
    await writeChecked(join(this.dir, name), data);
  }

  async readBlob(name: string): Promise<Buffer | null> {
    return readChecked(join(this.dir, name));
  }

  async markComplete(info: unknown): Promise<void> {
    await this.writeBlob('complete.json', Buffer.from(JSON.stringify(info)));
  }

  /** The completion record, only if every chunk it promises is present and intact. */
  async readComplete<T>(frames: number): Promise<T | null> {
    const b = await this.readBlob('complete.json');
    if (!b) return null;
    if ((await this.validPrefix()) < frames) {
      await rm(join(this.dir, 'complete.json'), { force: true });
      return null;
    }
    return JSON.parse(b.toString()) as T;
  }
}
