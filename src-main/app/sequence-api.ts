import { basename, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import { migrateProject } from '../common/project/migrate.ts';
import { importOtio, writeOtio } from '../engine/otio/index.ts';
import type { GeometrySettings } from '../engine/jobs/analyze.ts';
import type { JobManager } from './jobs.ts';
import type { ApiParsed, GeometryRequest } from '../common/api/schemas.ts';
import type { EngineApi } from '../common/api/types.ts';
import type { VideoInfo } from '../common/types.ts';

/**
 * The sequence's calls: OTIO in and out, and the export of the cut as a job. The document arrives as the
 * renderer holds it and is checked by the project schema (migrateProject), like a save.
 */
export function sequenceApi(
  jobs: JobManager,
  settingsOf: (g: GeometryRequest | undefined) => GeometrySettings,
  info: (path: string) => Promise<VideoInfo>,
): Pick<EngineApi, 'importOtio' | 'exportOtio' | 'startSequenceExport' | 'getWaveform'> {
  return {
    importOtio: (req) => importOtio(req.path),

    async getWaveform(req) {
      const { audioPeaks } = await import('../engine/sequence/waveform.ts');
      return audioPeaks(await info(req.path));
    },

    async exportOtio(req) {
      const doc = migrateProject(req.doc, 'the project');
      const path = resolve(req.path);
      await writeOtio(path, doc);
      return { path };
    },

    async startSequenceExport(req) {
      const r = req as ApiParsed<'startSequenceExport'>;
      const doc = migrateProject(r.doc, 'the project');
      if (!doc.sequence.video.length) throw new UserError('the timeline is empty: drag clips from the media bin onto the track first');
      const out = resolve(r.out);
      const { geometry, doc: _d, ...rest } = r;
      const job = jobs.start('export', `Export ${basename(out)}`, out, async (control) => {
        const { runSequenceRender } = await import('../engine/jobs/render-sequence.ts');
        return runSequenceRender({ ...rest, ...settingsOf(geometry), doc, out }, control);
      });
      return { jobId: job.id };
    },
  };
}
