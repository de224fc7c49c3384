// The progress line: rewritten in place on a terminal, a plain line every few seconds otherwise.

const PLAIN_EVERY_MS = 2_000;

export interface Progress {
  /** What is running now; shown as given, throttled when the output is not a terminal. */
  show(text: string): void;
  /** Ends the line (a terminal keeps no stale progress under the next output). */
  clear(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  let shown = false;
  return {
    show(text) {
      if (tty) {
        stream.write(`\r${text}\x1b[K`);
        shown = true;
        return;
      }
      const now = Date.now();
      if (now - lastPlain < PLAIN_EVERY_MS) return;
      lastPlain = now;
      stream.write(`${text}\n`);
    },
    clear() {
      if (tty && shown) stream.write('\r\x1b[K');
      shown = false;
      lastPlain = 0;
    },
  };
}

/** 12345 → "12,345". */
export const thousands = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
