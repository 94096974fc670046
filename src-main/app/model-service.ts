import { basename } from 'node:path';
import { UserError } from '../common/errors.ts';
import type { EngineApi, ModelEntry } from '../common/api/types.ts';
import { getManifest, listManifests, type ModelManifest } from '../engine/infer/manifest.ts';
import { loadModel } from '../engine/infer/session.ts';
import { modelSearchDirs } from '../engine/infer/model-paths.ts';
import type { JobControl } from '../engine/job-control.ts';
import { downloadModel, importModel, installDir, licenceNotice, listModels as listModelStatus, needsLicenceConsent, removeModel, type DownloadResult } from '../engine/model-manager/index.ts';
import type { JobManager } from './jobs.ts';

/**
 * What the CLI's `gemdepth models` and the app's model service both do, written once here (as
 * analysis-service.ts's analyzeClip for `analyze`): the front ends only ask and print.
 */
export { FIRST_RUN_HINT } from '../engine/model-manager/index.ts';
export const modelStatuses = () => listModelStatus();
export const removeInstalledModel = (id: string) => removeModel(id);
export const importModelFile = (path: string, id: string) => importModel(path, id);
export const modelFolders = () => ({ install: installDir(), search: modelSearchDirs() });

/** A model's manifest and the licence line to show before it is downloaded or imported. */
export async function modelDetails(id: string) {
  const manifest = await getManifest(id);
  return { manifest, licence: licenceNotice(manifest), needsConsent: needsLicenceConsent(manifest) };
}

/** Refuses a download before it starts: no licence consent where one is needed, or nothing to download. */
function checkDownload(m: ModelManifest, acceptLicence: boolean | undefined): void {
  if (needsLicenceConsent(m) && !acceptLicence) throw new UserError(`${licenceNotice(m)}: accept the licence to download it`, 'ELICENCE');
  if (!m.download) throw new UserError(`'${m.id}' has no download address: get it from ${m.source.url} and import the file`, 'ENODOWNLOAD');
}

/** A model downloaded, verified and installed, with a job's progress (bytes) and cancel; interrupted downloads resume. */
export async function downloadModelById(id: string, o: { acceptLicence?: boolean; onRetry?: (message: string) => void }, control: JobControl = {}): Promise<DownloadResult> {
  const m = await getManifest(id);
  if (needsLicenceConsent(m) && !o.acceptLicence) checkDownload(m, false);
  // Without a download address the manager's own refusal says how to import the file instead.
  return downloadModel(m, {
    signal: control.signal,
    onRetry: o.onRetry,
    onProgress: (p) =>
      control.onProgress?.({
        stage: 'download',
        done: p.bytes,
        total: p.total,
        fps: p.rate,
        etaSeconds: p.etaSeconds,
        message: `${(p.bytes / 1e6).toFixed(1)} / ${(p.total / 1e6).toFixed(1)} MB`,
      }),
  });
}

export type ModelService = Pick<EngineApi, 'listModels' | 'validateModelFile' | 'importModelFile' | 'downloadModel'>;

/** Models: what is installed or downloadable, checking and importing a file, downloading as a job. */
export function createModelService(jobs: JobManager): ModelService {
  async function modelEntries(): Promise<ModelEntry[]> {
    return (await modelStatuses()).map(({ manifest: m, installedAt, downloadable, partialBytes }) => ({
      id: m.id,
      name: m.name,
      installed: installedAt !== null,
      path: installedAt,
      outputKind: m.outputKind,
      licence: licenceNotice(m),
      commercialUse: m.licence.commercialUse,
      downloadable,
      partialBytes,
      source: m.source.url,
    }));
  }

  const service: ModelService = {
    listModels: () => modelEntries(),

    async validateModelFile(req) {
      const path = req.path;
      const candidates: ModelManifest[] = req.modelId
        ? [await getManifest(req.modelId)]
        : (await listManifests()).sort((a, b) => Number(b.file === basename(path)) - Number(a.file === basename(path)));
      const problems: string[] = [];
      for (const m of candidates) {
        try {
          const loaded = await loadModel(m, { path, device: 'cpu', threads: 1 });
          await loaded.close();
          return { ok: true, modelId: m.id, message: `${basename(path)} fits the '${m.id}' manifest (${m.name})` };
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      return {
        ok: false,
        modelId: null,
        message: req.modelId ? problems[0] : `${basename(path)} fits no known model manifest: ${problems[0] ?? 'no manifests'}`,
      };
    },

    async importModelFile(req) {
      const v = await service.validateModelFile(req);
      if (!v.ok || !v.modelId) return { ...v, installedAt: null };
      const r = await importModelFile(req.path, v.modelId);
      return { ok: true, modelId: v.modelId, installedAt: r.path, message: `${v.message}; installed as ${r.path}` };
    },

    async downloadModel(req) {
      const m = await getManifest(req.modelId);
      // Refused here, before a job is started.
      checkDownload(m, req.acceptLicence);
      const job = jobs.start('download', `Download ${m.name}`, m.id, async (control) => {
        const r = await downloadModelById(m.id, { acceptLicence: req.acceptLicence }, control);
        return { path: r.path, resumedFrom: r.resumedFrom };
      });
      return { jobId: job.id };
    },

  };
  return service;
}
