import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Debian's `colmap` (CI installs it): a missing binary is a failure with the package to install, never a skip. */
export async function colmap(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec('colmap', args, { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' }, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('colmap not found: apt-get install -y --no-install-recommends colmap', { cause: e });
    throw new Error(`colmap ${args[0]} failed: ${err.stderr ?? String(e)}`, { cause: e });
  }
}

/** What `colmap model_analyzer` reads in a text model. */
export async function analyzeModel(path: string): Promise<{ images: number; registered: number; points: number; observations: number; meanError: number }> {
  const out = await colmap(['model_analyzer', '--path', path]);
  const num = (label: string) => Number(new RegExp(`${label}:\\s*([\\d.]+)`).exec(out)?.[1] ?? NaN);
  return { images: num('Images'), registered: num('Registered images'), points: num('Points'), observations: num('Observations'), meanError: num('Mean reprojection error') };
}

/**
 * Points that survive COLMAP's own reprojection filter at `maxError` px: COLMAP recomputes each
 * observation's error from the cameras and points, so this checks the geometry, not the ERROR field we wrote.
 */
export async function filteredModel(path: string, out: string, maxError: number): Promise<{ points: number; observations: number }> {
  await colmap(['point_filtering', '--input_path', path, '--output_path', out, '--max_reproj_error', String(maxError), '--min_track_len', '2', '--min_tri_angle', '0']);
  const a = await analyzeModel(out);
  return { points: a.points, observations: a.observations };
}
