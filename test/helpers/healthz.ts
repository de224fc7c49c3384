// Asks /healthz every few milliseconds while a test runs something costly: how long the API
// takes to answer anyone else meanwhile (a frozen event loop shows as seconds).
export interface HealthzProbe {
  /** Stops asking; resolves with every answer's time, sorted, and a one-line summary. */
  stop(): Promise<{ times: number[]; worst: number; summary: string }>;
}

export function probeHealthz(url: string, everyMs = 5): HealthzProbe {
  const times: number[] = [];
  let probing = true;
  const loop = (async () => {
    while (probing) {
      const started = performance.now();
      const answer = await fetch(`${url}/healthz`);
      await answer.arrayBuffer();
      if (answer.status !== 200) throw new Error(`/healthz answered ${answer.status}`);
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      probing = false;
      await loop;
      times.sort((a, b) => a - b);
      const worst = times.at(-1) ?? Number.NaN;
      return { times, worst, summary: `${times.length} answers, worst ${worst.toFixed(1)} ms, median ${(times[times.length >> 1] ?? Number.NaN).toFixed(1)} ms` };
    },
  };
}
