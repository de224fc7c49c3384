// How the page tells the user things: empty states, errors, progress, and results announced to
// screen readers as they arrive.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.ts';

export function EmptyState({ title, children, action }: { title: string; children?: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="empty">
      <h2>{title}</h2>
      {children && <div class="empty-text">{children}</div>}
      {action && <div class="empty-action">{action}</div>}
    </div>
  );
}

/** The error as a sentence the user can act on. */
export function errorText(error: Error): string {
  if (error instanceof ApiError && error.status === 404) return 'Not found: it may have been deleted.';
  return error.message;
}

export function ErrorMessage({ error, onRetry }: { error: Error | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div class="alert alert-error" role="alert">
      <p><strong>Something went wrong.</strong> {errorText(error)}</p>
      {onRetry && <button type="button" class="button-secondary" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="loading" role="status">Loading {what}…</p>;
}

/** A polite live region: what it says is announced when it changes. */
export function Announce({ children, tone = 'info' }: { children?: ComponentChildren; tone?: 'info' | 'success' | 'error' }) {
  return <div class={children ? `alert alert-${tone}` : 'sr-only'} role="status" aria-live="polite">{children}</div>;
}
