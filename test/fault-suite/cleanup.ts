// Whatever happens (a failure, an exception, Ctrl-C), the suite's PostgreSQL cluster is stopped,
// its tmpfs unmounted, its children killed and its temp dir removed. The steps are synchronous so
// that they also run from process.on('exit'), where nothing asynchronous gets a turn.
type Step = { name: string; run: () => void };

const steps: Step[] = [];
let ran = false;

/** Registers a cleanup step; steps run last-registered first. Returns a function that drops it (done already). */
export function onCleanup(name: string, run: () => void): () => void {
  const step = { name, run };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

export function cleanupNow(): void {
  if (ran) return;
  ran = true;
  while (steps.length) {
    const step = steps.pop()!;
    try {
      step.run();
    } catch (err) {
      process.stderr.write(`fault suite: cleanup "${step.name}" failed: ${(err as Error).message}\n`);
    }
  }
}

/** Cleans up on exit and on SIGINT/SIGTERM (exit code 130/143, as a shell reports them). */
export function installCleanupHandlers(): void {
  process.on('exit', cleanupNow);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nfault suite: ${signal}: cleaning up\n`);
      cleanupNow();
      process.exit(code);
    });
  }
}
