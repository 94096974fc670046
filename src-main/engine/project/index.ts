export * from '../../common/project/schema.ts';
export { migrateProject } from '../../common/project/migrate.ts';
export { readProject, writeProject, checkMedia, relinkClip, autosavePathFor } from './io.ts';
export type { MediaIssue, RecentProject } from '../../common/project/media.ts';
export { fingerprintFile, sameFingerprint } from './fingerprint.ts';
export { readRecent, addRecent, configDir } from './recent.ts';
export * from '../../common/project/sequence-schema.ts';
export * from '../../common/project/sequence.ts';
export * from '../../common/project/sequence-edit.ts';
