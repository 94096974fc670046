import { basename } from 'node:path';
import { UserError } from '../common/errors.ts';
import type { EngineApi, ModelEntry } from '../common/api/types.ts';
import { getManifest, listManifests, type ModelManifest } from '../engine/infer/manifest.ts';
import { loadModel } from '../engine/infer/session.ts';
import { downloadModel, importModel, licenceNotice, listModels as listModelStatus, needsLicenceConsent } from '../engine/model-manager/index.ts';
import type { JobManager } from './jobs.ts';

export type ModelService = Pick<EngineApi, 'listModels' | 'validateModelFile' | 'importModelFile' | 'downloadModel'>;

/** Models: what is installed or downloadable, checking and importing a file, downloading as a job. */
export function createModelService(jobs: JobManager): ModelService {
  async function modelEntries(): Promise<ModelEntry[]> {
    return (await listModelStatus()).map(({ manifest: m, installedAt, downloadable, partialBytes }) => ({
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
      const r = await importModel(req.path, v.modelId);
      return { ok: true, modelId: v.modelId, installedAt: r.path, message: `${v.message}; installed as ${r.path}` };
    },

    async downloadModel(req) {
      const m = await getManifest(req.modelId);
      if (needsLicenceConsent(m) && !req.acceptLicence) throw new UserError(`${licenceNotice(m)}: accept the licence to download it`);
      if (!m.download) throw new UserError(`'${m.id}' has no download address: get it from ${m.source.url} and import the file`);
      const job = jobs.start('download', `Download ${m.name}`, m.id, async (control) => {
        const r = await downloadModel(m, {
          signal: control.signal,
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
        return { path: r.path, resumedFrom: r.resumedFrom };
      });
      return { jobId: job.id };
    },

  };
  return service;
}
