/**
 * Which URLs a model may come from. https only: a model is code-like input (a crafted graph can crash
 * or mislead the runtime) and a checksum is not always published, so the transport must be
 * authenticated. The one exception is plain http to this machine (loopback: a local mirror, the tests'
 * server), which never crosses a network. A redirect must satisfy the same rule and may never step down
 * from https.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function modelUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url}' is not a URL`;
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return null;
  return `'${url}' is not an https: URL (models are only fetched over https)`;
}

/** The next hop of a redirect from `from`, or a reason to refuse it. */
export function redirectProblem(from: string, to: string): string | null {
  const p = modelUrlProblem(to);
  if (p) return `redirect to ${p}`;
  if (new URL(from).protocol === 'https:' && new URL(to).protocol !== 'https:') return `redirect from https to '${to}' refused`;
  return null;
}

/** Most redirects followed for one request (a CDN typically takes one or two). */
export const MAX_REDIRECTS = 5;
