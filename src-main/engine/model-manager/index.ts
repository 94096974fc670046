/** The model manager: what the CLI (cli/model-commands.ts) and the app's API call. */
export { downloadModel, type DownloadOptions, type DownloadProgress, type DownloadResult } from './download.ts';
export { importModel, type ImportOptions, type ImportResult } from './import.ts';
export { licenceNotice, needsLicenceConsent } from './licence.ts';
export { FIRST_RUN_HINT, firstRunHint, installDir, listModels, removeModel, type ModelStatus } from './store.ts';
