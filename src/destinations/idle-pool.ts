// A publisher's connections, one per destination identity, closed once unused for a while (a
// webhook deleted or pointed elsewhere leaves no connection behind). Shared by the Redis and
// MQTT publishers; what a connection is and how it ends is theirs.

/** A pooled connection's use: publishes in flight, and when it was last used. */
export interface Pooled {
  busy: number;
  lastUsed: number;
}

/** How often idle connections are looked for. */
const SWEEP_MS = 60_000;

export class IdlePool<E extends Pooled> {
  private readonly entries = new Map<string, E>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs: number, private readonly end: (entry: E) => Promise<void>) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): E | undefined {
    return this.entries.get(key);
  }

  add(key: string, entry: E): void {
    this.entries.set(key, entry);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** Forgets `entry` (its connection failed for good), unless another has taken its key since. */
  drop(key: string, entry: E): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  /** A publish starts on `entry`: it is not idle until release(). */
  take(entry: E): void {
    entry.busy++;
    entry.lastUsed = Date.now();
  }

  release(entry: E): void {
    entry.busy--;
    entry.lastUsed = Date.now();
  }

  /** Ends every connection (the publisher's close). */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => this.end(entry)));
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.busy === 0 && now - entry.lastUsed >= this.idleMs) {
        this.entries.delete(key);
        void this.end(entry);
      }
    }
    if (this.entries.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}

/** Waits for a graceful end at most `graceMs` (what is in flight is answered first), then goes on. */
export async function withGrace(ending: Promise<unknown>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ending.catch(() => {}), new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
  clearTimeout(timer);
}
