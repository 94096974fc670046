import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import type { DialogRequest } from '../api/types.ts';

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
