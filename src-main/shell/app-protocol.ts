import { net, protocol, type CustomScheme } from 'electron';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME, appFileFor, CSP } from './policy.ts';

/**
 * Before the app is ready: app:// is a standard, secure origin (relative URLs, fetch, workers, 'self' in
 * the CSP). Electron takes one registration call only, so other schemes the shell serves come along.
 */
export function registerAppScheme(others: CustomScheme[] = []): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }, ...others]);
}

/** Serves the built renderer folder `root` on app://gemdepth/ (policy.ts decides which file a URL names), with the CSP header. */
export function serveApp(root: string): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const file = appFileFor(req.url, root);
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CSP);
    return new Response(res.body, { status: res.status, headers });
  });
}
