// Reading a Prometheus exposition (/metrics) in tests.

/** A sample's value in the exposition (`name{labels}` as written), 0 when absent. */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
