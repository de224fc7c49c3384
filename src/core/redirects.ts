// Following a redirect, for webhooks with follow_redirects: which answers are followed and the
// request the next hop makes. Pure: the sender (dispatcher/sender.ts) runs the loop, and its
// guarded connector checks every hop's address as it checks the webhook's own URL.
import type { AttemptRequest, Redirect } from './model.ts';

/** Hops after the first request; one more redirect fails the attempt. */
export const MAX_REDIRECTS = 5;
const FOLLOWED = new Set([301, 302, 303, 307, 308]);
/** Sent only to the origin the webhook names (or its own https upgrade), as Python requests and fetch do. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export type NextHop =
  | { follow: AttemptRequest; redirect: Redirect }
  /** A redirect that may not be followed: the attempt fails with this reason. */
  | { refused: string };

/** A URL fit for a message: without its credentials. */
export function shownUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  shown.hash = '';
  return shown.href;
}

/** Same host, http to https on the default ports: the same receiver, only secured. */
function sameReceiver(from: URL, to: URL): boolean {
  if (from.origin === to.origin) return true;
  return from.hostname === to.hostname && from.protocol === 'http:' && to.protocol === 'https:' && from.port === '' && to.port === '';
}

/**
 * What `request` does next after the answer `status` with `location`: null when the answer
 * stands (not a followed status, or no Location). 307 and 308 keep the method, body and every
 * header (the signatures cover id, timestamp and body, all unchanged); 301, 302 and 303 turn a
 * request with a body into a GET without one and drop its Content-Type, as browsers and Python
 * requests (which Frappe uses) do.
 */
export function nextHop(request: AttemptRequest, status: number, location: string | undefined): NextHop | null {
  if (!FOLLOWED.has(status) || !location) return null;
  const from = new URL(request.url);
  let to: URL;
  try {
    to = new URL(location, from); // a relative Location is resolved against the URL that answered
  } catch {
    return { refused: `redirect ${status} to "${location.slice(0, 200)}", which is not a URL` };
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return { refused: `redirect ${status} to a ${to.protocol} URL: only http and https are followed` };
  if (to.username || to.password) return { refused: `redirect ${status} to ${shownUrl(to)} with credentials in the URL: refused` };
  to.hash = '';

  const headers: Record<string, string> = {};
  const keepCredentials = sameReceiver(from, to);
  const toGet = status !== 307 && status !== 308 && request.method !== 'GET';
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (!keepCredentials && CREDENTIAL_HEADERS.has(lower)) continue;
    if (toGet && lower === 'content-type') continue;
    headers[name] = value;
  }
  const method = toGet ? 'GET' : request.method;
  return { follow: { method, url: to.href, headers, body: toGet ? '' : request.body }, redirect: { status, method, url: to.href } };
}

/** The hops in a message: "302 → GET http://b/x, 307 → POST http://c/y". */
export function describeRedirects(redirects: readonly Redirect[]): string {
  return redirects.map((r) => `${r.status} → ${r.method} ${r.url}`).join(', ');
}
