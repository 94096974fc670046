import { protocol, type CustomScheme } from 'electron';
import type { MediaFiles } from '../app/media-files.ts';

/**
 * gemdepth-media://media/<encoded path>: the clip's own file for the renderer's <video> (playback
 * decodes in the browser where it can). Only files the engine has opened are served (api/media-files.ts),
 * with byte ranges so the <video> can seek. Registered as privileged before the app is ready.
 */
export const MEDIA_SCHEME = 'gemdepth-media';

/** Registered with app:// (shell/app-protocol.ts: registerAppScheme), in Electron's one registration call. */
export const MEDIA_SCHEME_PRIVILEGES: CustomScheme = { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } };

export function handleMediaProtocol(media: MediaFiles) {
  protocol.handle(MEDIA_SCHEME, (req) => {
    const url = new URL(req.url);
    if (req.method !== 'GET' || url.host !== 'media') return new Response(null, { status: 404 });
    return media.respond(decodeURIComponent(url.pathname.slice(1)), req.headers.get('range'));
  });
}
