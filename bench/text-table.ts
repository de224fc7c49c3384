// A plain-text table, as the bench prints its results.

/** The first `names` columns (names) aligned left, the figures right. */
export function textTable<T>(columns: readonly [string, (r: T) => string][], rows: readonly T[], names = 2): string {
  const cells = [columns.map(([h]) => h), ...rows.map((r) => columns.map(([, f]) => f(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => (i < names ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
