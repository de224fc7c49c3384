// The page's top level: signed out (sign-in), admin without a tenant (picker), or a tenant's
// screens. A sign-in link's token is checked first; a credential that stops working mid-session
// (an expired link) signs the page out with the reason.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createClient } from './api/client.ts';
import { accountApi, tenantApi } from './api/endpoints.ts';
import { Tenant } from './context.ts';
import { useLoad } from './hooks.ts';
import { Layout } from './layout.tsx';
import { go } from './router.ts';
import { Routes } from './routes.tsx';
import { SignIn } from './screens/sign-in.tsx';
import { TenantPicker } from './screens/tenant-picker.tsx';
import { loadSession, saveSession, takeLinkToken, type Session } from './session.ts';

const EXPIRED_LINK = 'This sign-in link has expired. Ask for a new link where you got this one.';

/** Why a credential was refused, in words for the sign-in screen. */
function refusal(error: unknown, via: 'link' | 'token'): string {
  if (!(error instanceof ApiError) || error.status !== 401) return error instanceof Error ? error.message : String(error);
  if (error.code === 'RELAIS_ERR_AUTH_EXPIRED') return EXPIRED_LINK;
  return via === 'link' ? 'This sign-in link is not valid. Ask for a new link where you got this one.' : 'This token is not valid, or it has expired.';
}

export function App({ linkToken }: { linkToken: string | null }) {
  const [session, setSession] = useState<Session | null>(() => (linkToken ? null : loadSession()));
  const [message, setMessage] = useState<string | null>(null);
  const [checkingLink, setCheckingLink] = useState(linkToken !== null);

  const signIn = async (token: string, via: 'link' | 'token'): Promise<string | null> => {
    try {
      const me = await accountApi(createClient(token)).me();
      const next: Session = { token, role: me.role, tenantId: me.tenant_id, expiresAt: me.expires_at };
      saveSession(next);
      setSession(next);
      setMessage(null);
      go('/webhooks');
      return null;
    } catch (error) {
      return refusal(error, via);
    }
  };

  const signOut = (reason: string | null = null): void => {
    saveSession(null);
    setSession(null);
    setMessage(reason);
    go('/signin');
  };

  const chooseTenant = (tenantId: string | null): void => {
    if (!session) return;
    const next = { ...session, tenantId };
    saveSession(next);
    setSession(next);
    go('/webhooks');
  };

  useEffect(() => {
    const follow = (token: string): void => {
      setCheckingLink(true);
      void signIn(token, 'link').then((refused) => {
        if (refused) setMessage(refused);
        setCheckingLink(false);
      });
    };
    if (linkToken) follow(linkToken);
    // A link opened in a tab that already shows the page changes only the fragment.
    const onHash = (): void => {
      const token = takeLinkToken();
      if (token) follow(token);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once: the link the page opened with, then any later one
  }, []);

  if (checkingLink) return <p class="loading" role="status">Signing you in…</p>;
  if (!session) return <SignIn message={message} onSignIn={(token) => signIn(token, 'token')} />;
  if (!session.tenantId) return <TenantPicker session={session} onChoose={chooseTenant} onSignOut={() => signOut()} />;
  return <TenantApp key={session.tenantId} session={session as Session & { tenantId: string }} signOut={signOut} chooseTenant={chooseTenant} />;
}

interface TenantAppProps {
  session: Session & { tenantId: string };
  signOut: (reason?: string | null) => void;
  chooseTenant: (tenantId: string | null) => void;
}

function TenantApp({ session, signOut, chooseTenant }: TenantAppProps) {
  const api = useMemo(() => tenantApi(createClient(session.token, (error) => {
    signOut(error.code === 'RELAIS_ERR_AUTH_EXPIRED' ? 'Your sign-in link has expired. Ask for a new link to continue.' : 'Your session has ended: sign in again.');
  }), session.tenantId), [session.token, session.tenantId]);
  const catalog = useLoad(() => api.eventTypes(), [api]);
  const tenant = useLoad(() => api.tenant(), [api]);
  const ctx = useMemo(() => ({ api, session, catalog: catalog.data ?? [], catalogLoaded: catalog.data !== undefined, reloadCatalog: catalog.reload }), [api, session, catalog.data]);
  return (
    <Tenant.Provider value={ctx}>
      <Layout session={session} tenantName={tenant.data?.name ?? session.tenantId} onSignOut={() => signOut()} onChangeTenant={session.role === 'admin' ? () => chooseTenant(null) : undefined}>
        <Routes />
      </Layout>
    </Tenant.Provider>
  );
}
