export * from './schema.ts';
export { migrateProject } from './migrate.ts';
export { readProject, writeProject, checkMedia, relinkClip, autosavePathFor, type MediaIssue } from './io.ts';
export { fingerprintFile, sameFingerprint } from './fingerprint.ts';
export { readRecent, addRecent, configDir, type RecentProject } from './recent.ts';
export * from './sequence-schema.ts';
export * from './sequence.ts';
export * from './sequence-edit.ts';
