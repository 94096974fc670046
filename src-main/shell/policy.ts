import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import { isAbsolute, join, relative } from 'node:path';
import type { DialogRequest } from '../common/api/types.ts';

/**
 * Strict CSP: only the app's own bundled files; no remote content, no inline or eval'd scripts.
 * Inline styles are allowed because React sets element styles (not a script-injection path). blob:
 * images are the app's own thumbnails. The same policy is in src-renderer/index.html as a meta tag so
 * it also holds where headers are not set (file://, the test host).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  // The clip's own file for the <video> that decodes playback (shell/media-protocol.ts; the test host serves it from 'self').
  "media-src 'self' gemdepth-media:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
].join('; ');

const VIDEO_EXT = ['mp4', 'mov', 'mkv', 'avi', 'mpg', 'mpeg', 'webm', 'm4v', 'mxf', 'ts', 'mts', 'wmv', 'flv'];

export function dialogOptions(req: DialogRequest): { open?: OpenDialogOptions; save?: SaveDialogOptions } {
  switch (req.purpose) {
    case 'import':
      return {
        open: {
          title: 'Import media',
          defaultPath: req.defaultPath,
          properties: ['openFile', 'openDirectory', 'multiSelections'],
          filters: [{ name: 'Video or image folder', extensions: VIDEO_EXT }, { name: 'All files', extensions: ['*'] }],
        },
      };
    case 'open-project':
      return { open: { title: 'Open project', defaultPath: req.defaultPath, properties: ['openFile'], filters: [{ name: 'GemDepth project', extensions: ['gdproj'] }] } };
    case 'model':
      return { open: { title: 'Choose a depth model', defaultPath: req.defaultPath, properties: ['openFile'], filters: [{ name: 'ONNX model', extensions: ['onnx'] }] } };
    case 'save-project':
      return { save: { title: 'Save project', defaultPath: req.defaultPath, filters: [{ name: 'GemDepth project', extensions: ['gdproj'] }] } };
    case 'export':
      return { save: { title: 'Export video', defaultPath: req.defaultPath, filters: [{ name: 'Video', extensions: ['mp4', 'mov', 'mkv', 'webm'] }] } };
  }
}

/**
 * The renderer is served from this privileged custom scheme instead of file://: a file:// page may read
 * other file:// URLs, a page on app://gemdepth/ reaches only the files of the renderer's own folder
 * (appFileFor), and 'self' in the CSP means exactly that origin.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'gemdepth';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Is `url` a page or file of the app itself (app://gemdepth/...)? */
export function isAppUrl(url: string | undefined): boolean {
  const u = url ? parse(url) : null;
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
}

/**
 * The file under `root` (the built renderer's folder) that an app:// request names, or null: another
 * host, a path that leaves the folder (.., encoded or not), a backslash, a NUL byte.
 */
export function appFileFor(url: string, root: string): string | null {
  if (!isAppUrl(url)) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = join(root, rel);
  const back = relative(root, file);
  if (!back || back.startsWith('..') || isAbsolute(back)) return null;
  return file;
}

/**
 * Sites the app may open in the system browser (model licences and sources, the project's pages):
 * https only, exact hosts. Anything else a page asks to open is dropped.
 */
export const EXTERNAL_HOSTS = ['github.com', 'huggingface.co', 'gemdepth.studio'];

export function externalUrlAllowed(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === 'https:' && !u.username && !u.password && EXTERNAL_HOSTS.includes(u.hostname);
}

/**
 * Where the window may navigate or be redirected (will-navigate, will-redirect): only within the app's
 * own origin. An external link is handed to the system browser when allowed, never loaded in the window.
 */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/** Electron fuses the installers are built with (electron-builder.yml: electronFuses); tested against the config. */
export const REQUIRED_FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
  enableCookieEncryption: true,
} as const;
