// Hash routes (`#/webhooks/wh_…?status=failed`): the server serves one page at `/`, and the
// fragment never reaches it, so a sign-in link's token in it stays out of server logs.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments: `#/webhooks/wh_1/edit` → ['webhooks', 'wh_1', 'edit']. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

/** `href('/deliveries', {status: 'failed'})` → `#/deliveries?status=failed`; empty values are left out. */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function go(path: string, query?: Record<string, string | undefined>): void {
  location.hash = href(path, query);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
