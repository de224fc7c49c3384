// Small hooks the screens share: loading data, running the user's actions, debouncing input,
// refreshing on a timer.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './components/feedback.tsx';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
  /** Replaces the data after a change the page made itself (no refetch). */
  set: (data: T) => void;
}

/** Runs `load` when `deps` change (and on reload); answers of superseded runs are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [version, setVersion] = useState(0);
  const run = useRef(0);
  useEffect(() => {
    const mine = ++run.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => { if (run.current === mine) setState({ data, error: undefined, loading: false }); },
      (error: unknown) => { if (run.current === mine) setState((s) => ({ data: s.data, error: error instanceof Error ? error : new Error(String(error)), loading: false })); },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's
  }, [...deps, version]);
  return {
    ...state,
    reload: () => setVersion((v) => v + 1),
    set: (data) => setState({ data, error: undefined, loading: false }),
  };
}

export interface Outcome {
  tone: 'success' | 'error';
  text: ComponentChildren;
}

/**
 * An action the user starts with a button: `busy` while it runs, then its outcome, or the error it
 * met in words, to announce (components/feedback.tsx's Announce).
 */
export function useAction(initial: Outcome | null = null) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(initial);
  const run = async (work: () => Promise<Outcome | undefined>): Promise<void> => {
    setBusy(true);
    setOutcome(null); // a repeated outcome is announced again
    try {
      const result = await work();
      if (result) setOutcome(result);
    } catch (err) {
      setOutcome({ tone: 'error', text: errorText(err instanceof Error ? err : new Error(String(err))) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, outcome, run };
}

export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Calls `tick` every `ms` while `active` and the tab is visible. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => { if (document.visibilityState === 'visible') latest.current(); }, ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}
