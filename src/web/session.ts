// The credential the page signs in with, kept in sessionStorage: it lasts as long as the tab,
// is not shared with other tabs, and never sits in the address bar.
export interface Session {
  token: string;
  role: 'admin' | 'tenant';
  /** The tenant shown; the admin picks one. */
  tenantId: string | null;
  expiresAt: string | null;
}

const KEY = 'relais.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Partial<Session>) : null;
    return s && typeof s.token === 'string' && (s.role === 'admin' || s.role === 'tenant')
      ? { token: s.token, role: s.role, tenantId: s.tenantId ?? null, expiresAt: s.expiresAt ?? null }
      : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/**
 * A sign-in link opens the page at `#/signin?link=rpl_…`: take the token and strip it from the
 * address bar (and the history entry) before anything else runs.
 */
export function takeLinkToken(): string | null {
  const match = /^#\/signin\?(.*)$/.exec(location.hash);
  const token = match ? new URLSearchParams(match[1]).get('link') : null;
  if (token) history.replaceState(null, '', `${location.pathname}${location.search}#/signin`);
  return token;
}
