// The frame around a tenant's screens: who is signed in, the sections, sign out.
import type { ComponentChildren } from 'preact';
import { Time } from './components/display.tsx';
import { useRoute } from './router.ts';
import type { Session } from './session.ts';

const SECTIONS = [
  ['webhooks', 'Webhooks'],
  ['deliveries', 'Deliveries'],
  ['catalog', 'Event catalog'],
] as const;

interface LayoutProps {
  session: Session;
  tenantName: string;
  onSignOut: () => void;
  onChangeTenant: (() => void) | undefined;
  children: ComponentChildren;
}

export function Layout({ session, tenantName, onSignOut, onChangeTenant, children }: LayoutProps) {
  const section = useRoute().parts[0] ?? 'webhooks';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="topbar">
        <div class="topbar-inner">
          <div class="brand">
            <span class="brand-name">Webhooks</span>
            <span class="tenant" title={session.tenantId ?? ''}>{tenantName}</span>
          </div>
          <nav aria-label="Sections">
            <ul>
              {SECTIONS.map(([key, label]) => (
                <li key={key}><a href={`#/${key}`} aria-current={section === key ? 'page' : undefined}>{label}</a></li>
              ))}
            </ul>
          </nav>
          <div class="account">
            {session.role === 'admin' && <span class="muted">Admin</span>}
            {session.expiresAt && <span class="muted">Signed in until <Time iso={session.expiresAt} exact /></span>}
            {onChangeTenant && <button type="button" class="button-small button-secondary" onClick={onChangeTenant}>Change tenant</button>}
            <button type="button" class="button-small button-secondary" onClick={onSignOut}>Sign out</button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
