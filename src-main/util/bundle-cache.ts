import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

interface Stored { version: string; inputs: [path: string, size: number, mtimeMs: number][]; code: string }

/**
 * A worker's esbuild bundle (worker-entry.ts), built at most once per change of its sources: kept on disk
 * in the user's own folder under the temporary directory (as tsx keeps its compiled modules) with the
 * size and modification time of every file that went in, and served while they all still match. Why: each analysis started
 * from TypeScript sources built its workers' bundles anew, ~50-100 ms of buildSync blocking the thread
 * that tracks, at start, per process. The bundle is the same text esbuild makes (it is esbuild's own
 * output, stored); any change of an input builds it again.
 */
export function cachedBundleSync(entryPath: string): string {
  const req = createRequire(import.meta.url);
  const esbuild = req('esbuild') as typeof import('esbuild');
  const dir = join(tmpdir(), `gemdepth-workers-${process.getuid?.() ?? 'user'}`);
  const file = join(dir, `${createHash('sha256').update(`${entryPath}\0${esbuild.version}\0${process.version}`).digest('hex').slice(0, 32)}.json`);
  const known = read(dir, file, esbuild.version);
  if (known !== null) return known;
  const started = Date.now();
  const r = esbuild.buildSync({ entryPoints: [entryPath], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent', metafile: true });
  const code = r.outputFiles[0].text;
  try {
    const inputs = Object.keys(r.metafile.inputs).map((p): Stored['inputs'][number] => {
      const abs = resolve(p);
      const s = statSync(abs);
      // Changed while esbuild read it: the stored code might be the old text under the new identity.
      if (s.mtimeMs >= started - 1000) throw new Error('an input changed during the build');
      return [abs, s.size, s.mtimeMs];
    });
    // Private to the user: code is run from it.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: esbuild.version, inputs, code } satisfies Stored));
    renameSync(tmp, file);
  } catch {
    /* not stored (no writable temporary folder, a file just edited): built again next time */
  }
  return code;
}

function read(dir: string, file: string, version: string): string | null {
  try {
    // Only a folder of the user's own that nobody else may write (another user could have made it first).
    const d = statSync(dir);
    if ((process.getuid && d.uid !== process.getuid()) || (d.mode & 0o022) !== 0) return null;
    const s = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    if (s.version !== version || !s.inputs.length) return null;
    for (const [p, size, mtimeMs] of s.inputs) {
      const st = statSync(p);
      if (st.size !== size || st.mtimeMs !== mtimeMs) return null;
    }
    return s.code;
  } catch {
    return null;
  }
}
