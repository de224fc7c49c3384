// What a remote command prints: with --json, the API's JSON as answered (one document, for jq
// and scripts); otherwise short lines and tables for a person. Colour and progress only on a
// terminal (and colour not when NO_COLOR is set); everything else goes to stdout unadorned.

export interface OutputOptions {
  json?: boolean;
}

/** The API's answer with --json, else the human lines. */
export function print(options: OutputOptions, value: unknown, human: () => string | readonly string[]): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const lines = human();
  const text = typeof lines === 'string' ? lines : lines.join('\n');
  if (text !== '') process.stdout.write(`${text}\n`);
}

/** Columns padded to their widest cell; the header row first. Empty rows: `none` in its place. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], none = '(none)'): string[] {
  if (rows.length === 0) return [none];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [paint('dim', line(header)), ...rows.map(line)];
}

/** Whether stdout is a terminal (progress and colour) rather than a pipe or a file. */
export function isTerminal(): boolean {
  return process.stdout.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

/** The text in colour on a terminal, as is otherwise. */
export function paint(colour: Colour, text: string): string {
  if (!isTerminal() || process.env.NO_COLOR !== undefined) return text;
  return `\u001b[${CODES[colour]}m${text}\u001b[0m`;
}

/** A status line rewritten in place on stderr while stdout is a terminal; silent otherwise. */
export function progress(): { update(text: string): void; done(): void } {
  const on = isTerminal() && process.stderr.isTTY === true;
  let shown = false;
  return {
    update(text) {
      if (!on) return;
      process.stderr.write(`\r\u001b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[2K');
      shown = false;
    },
  };
}

/** `-` for a null or empty value in a table. */
export function cell(value: string | number | boolean | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}

/** A remark for the person at the terminal, on stderr: stdout keeps only what a script captures. */
export function note(options: OutputOptions, text: string): void {
  if (!options.json) process.stderr.write(`${text}\n`);
}
