// Model files are hashed by the same cached full-file hash as clips (cache/file-hash.ts).
export { cachedSha256, sha256File } from '../cache/file-hash.ts';
