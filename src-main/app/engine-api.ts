import { readFileSync } from 'node:fs';
import type { EngineApi } from '../common/api/types.ts';
import { effectSpecs } from '../common/effects/specs.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { resolveFfmpeg } from '../engine/decode/ffmpeg-path.ts';
import { planProviders } from '../engine/infer/providers.ts';
import { configDir } from '../engine/project/index.ts';
import { removeStalePartials } from '../util/stale-partials.ts';
import { throwIfAborted } from '../common/errors.ts';
import { createAnalysisService } from './analysis-service.ts';
import { settingsOf } from './geometry-settings.ts';
import { createJobManager } from './jobs.ts';
import { createLanes } from './lanes.ts';
import { createMediaService } from './media-service.ts';
import { createModelService } from './model-service.ts';
import { createProjectService } from './project-service.ts';
import { sequenceApi } from './sequence-api.ts';

const DEFAULT_MODEL = 'fastdepth';

function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The engine behind every front end, composed of the app's services (media, analysis, projects, models,
 * the sequence) over one job manager. Stateless towards callers except for caches that only make things
 * faster: probed media, opened analyses, decoded frames. Inputs arrive already parsed by `dispatch`;
 * direct callers (CLI, tests) pass the same shapes and get the same checks through `parse`.
 */
export function createEngineApi(opts: { defaultModel?: string } = {}): EngineApi {
  const defaultModel = opts.defaultModel ?? DEFAULT_MODEL;
  const jobs = createJobManager();
  const media = createMediaService();
  const analysis = createAnalysisService(jobs, media, defaultModel);
  const depthLanes = createLanes();
  const models = createModelService(jobs);
  // What a killed earlier session left in the cache (hidden .partial files, concat scripts) goes, in the background.
  void removeStalePartials({ cacheDir: defaultCacheDir() }).catch(() => []);

  return {
    async appInfo() {
      const installed = await models.listModels({});
      const plan = planProviders('auto');
      let ffmpeg: string;
      try {
        const f = resolveFfmpeg();
        ffmpeg = `${f.ffmpeg} (${f.source})`;
      } catch (e) {
        ffmpeg = (e as Error).message;
      }
      return {
        version: appVersion(),
        platform: `${process.platform}-${process.arch}`,
        ffmpeg,
        device: { device: plan.order[0], reason: plan.reason },
        models: installed,
        firstRun: !installed.some((m) => m.installed),
        configDir: configDir(),
      };
    },

    ...models,
    ...analysis,
    // The viewer's depth in its lane: a newer frame's request makes an older one's answer a cancel.
    getDepth: (req) => depthLanes.run('getDepth', req.lane, async (signal) => {
      const d = await analysis.getDepth(req);
      throwIfAborted(signal);
      return d;
    }),
    importMedia: media.importMedia,
    getFrame: media.getFrame,
    getProxyFrame: media.getProxyFrame,
    getPlaybackProxy: media.getPlaybackProxy,
    frameStats: () => ({ ...media.frameStats(), depth: depthLanes.stats('getDepth') }),
    ...createProjectService(),
    ...sequenceApi(jobs, settingsOf, media.info),

    async listEffects() {
      return Object.values(effectSpecs).map((e) => ({ id: e.id, label: e.label, description: e.description, params: e.params.map((p) => ({ ...p })) }));
    },

    async cancelJob(req) {
      return { cancelled: jobs.cancel(req.jobId) };
    },

    listJobs: async () => jobs.list(),

    onJobEvent: (listener) => jobs.on(listener),

    async dispose() {
      await jobs.cancelAll();
      await media.dispose();
    },
  };
}
