// Small read-only pieces: status badges, times, code with a copy button.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Delivery } from '../api/types.ts';

const DELIVERY_LABELS: Record<Delivery['status'], string> = {
  pending: 'Pending', delivering: 'Sending', succeeded: 'Succeeded', failed: 'Failed', cancelled: 'Cancelled',
};

/** A delivery's status; a held one (pending while its webhook is disabled) reads "Held". */
export function DeliveryStatus({ status, held = false }: { status: Delivery['status']; held?: boolean }) {
  return held ? <span class="badge badge-off">Held</span> : <span class={`badge badge-${status}`}>{DELIVERY_LABELS[status]}</span>;
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <span class={enabled ? 'badge badge-succeeded' : 'badge badge-off'}>{enabled ? 'Enabled' : 'Disabled'}</span>;
}

const absolute = (d: Date): string => d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function relative(d: Date): string {
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  if (s < -60) return `in ${Math.round(-s / 60)} min`;
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: d.getFullYear() === new Date().getFullYear() ? undefined : 'numeric' });
}

/** A time, relative ("3 min ago") unless `exact`; the full time is in its tooltip. */
export function Time({ iso, exact, none = '—' }: { iso: string | null | undefined; exact?: boolean; none?: string }) {
  if (!iso) return <span class="muted">{none}</span>;
  const d = new Date(iso);
  return <time dateTime={iso} title={absolute(d)}>{exact ? absolute(d) : relative(d)}</time>;
}

/** "Copy", and for screen readers what it copies. */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('copied');
    } catch {
      setDone('failed');
    }
    setTimeout(() => setDone(null), 2000);
  };
  return (
    <button type="button" class="button-small button-secondary" onClick={() => void copy()}>
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed: select the text' : 'Copy'}
      <span class="sr-only"> {what}</span>
      <span class="sr-only" role="status">{done === 'copied' ? 'Copied to the clipboard' : ''}</span>
    </button>
  );
}

/** JSON pretty-printed; any other text as is. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A scrollable block of code, reachable by keyboard, with a copy button. */
export function Code({ children, label }: { children: string; label: string }) {
  return (
    <div class="code-wrap">
      <div class="code-tools"><CopyButton text={children} what={label.toLowerCase()} /></div>
      <pre class="code" tabIndex={0} role="region" aria-label={label}>{children}</pre>
    </div>
  );
}

export function Headers({ headers, caption }: { headers: Record<string, string>; caption: ComponentChildren }) {
  const entries = Object.entries(headers);
  if (!entries.length) return <p class="muted">No headers.</p>;
  return (
    <table class="kv">
      <caption class="sr-only">{caption}</caption>
      <tbody>
        {entries.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td><code>{v}</code></td></tr>)}
      </tbody>
    </table>
  );
}
