/**
 * Names of the engine API's request methods, without zod, so the sandboxed preload bundle stays tiny.
 * schemas.ts checks at compile time that this list and the schemas name the same methods.
 */
export const API_METHOD_NAMES = [
  'appInfo', 'listModels', 'validateModelFile', 'importModelFile', 'downloadModel', 'listEffects', 'importMedia', 'getFrame', 'getDepth', 'getDepthRange', 'getProxyFrame', 'getPlaybackProxy',
  'analysisStatus', 'getScene', 'startAnalysis', 'importDepth', 'startExport', 'cancelJob', 'listJobs', 'newProject',
  'openProject', 'saveProject', 'autosaveProject', 'recentProjects', 'discardAutosave', 'relinkClip', 'cacheInfo', 'clearCache',
  'importOtio', 'exportOtio', 'startSequenceExport', 'getWaveform',
] as const;

export const CHANNELS = {
  call: 'gemdepth:call',
  job: 'gemdepth:job',
  menu: 'gemdepth:menu',
  pickPath: 'gemdepth:pick-path',
  setDirty: 'gemdepth:set-dirty',
  closeWindow: 'gemdepth:close-window',
} as const;
