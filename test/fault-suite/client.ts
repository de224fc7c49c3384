// The API's client: one HTTP exchange with its outcome named (a status, or how the connection
// failed), a tally of every answer by phase, and the event sender that retries each event with
// its SAME idempotency id until it gets a 2xx. A timeout or a reset on the client's side is never
// a lost event: an event is accepted once it got a 2xx, and only accepted events are expected.
import { Agent, request as httpRequest } from 'node:http';

export type Outcome =
  | { kind: 'status'; status: number; retryAfter: string | undefined; body: string }
  | { kind: 'error'; error: 'refused' | 'reset' | 'timeout' | 'other'; message: string };

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface CallOptions {
  body?: unknown;
  token?: string;
  timeoutMs?: number;
}

export function call(url: string, method: string, { body, token, timeoutMs = 15_000 }: CallOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let settled = false;
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = httpRequest(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        settle({ kind: 'status', status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => settle({ kind: 'error', error: 'reset', message: err.message }));
    });
    const timer = setTimeout(() => {
      settle({ kind: 'error', error: 'timeout', message: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const error = err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' || err.code === 'EPIPE' || /socket hang up/.test(err.message) ? 'reset' : 'other';
      settle({ kind: 'error', error, message: `${err.code ?? ''} ${err.message}`.trim() });
    });
    req.end(payload);
  });
}

/** A call that must succeed (set-up: tenants, webhooks): throws with the answer otherwise. */
export async function mustCall<T>(url: string, method: string, options: CallOptions): Promise<T> {
  const out = await call(url, method, options);
  if (out.kind !== 'status' || out.status >= 300) throw new Error(`${method} ${url}: ${out.kind === 'status' ? `${out.status} ${out.body}` : out.message}`);
  return (out.body ? JSON.parse(out.body) : undefined) as T;
}

/** What the suite is doing now: every answer, exit and delivery is stamped with it. */
export class Phases {
  readonly history: { label: string; at: number }[] = [];
  constructor(first: string) {
    this.enter(first);
  }
  enter(label: string): void {
    this.history.push({ label, at: Date.now() });
    process.stdout.write(`--- phase: ${label} (${new Date().toISOString().slice(11, 23)})\n`);
  }
  get current(): string {
    return this.history.at(-1)!.label;
  }
  /** When a phase began (its first entry), or undefined. */
  startOf(label: string): number | undefined {
    return this.history.find((p) => p.label === label)?.at;
  }
}

export interface Violation {
  /** As counted in violationCounts: what, and during which phase. */
  key: string;
  phase: string;
  at: number;
  what: string;
}

const outcomeKey = (o: Outcome): string => (o.kind === 'status' ? String(o.status) : `client: ${o.error}`);

/** Every API answer by phase, and the answers no phase may have (a 5xx but 503, a 503 without Retry-After). */
export class AnswerLog {
  readonly byPhase = new Map<string, Map<string, number>>();
  readonly violations: Violation[] = [];
  readonly violationCounts = new Map<string, number>();
  /** The slowest answer (or client-side failure) per phase, in ms: a request held for seconds shows here. */
  readonly slowest = new Map<string, number>();
  /** The Retry-After values the 503s carried, and how often: the client waits that long (capped at 5 s). */
  readonly retryAfters = new Map<string, number>();
  constructor(private readonly phases: Phases) {}

  record(outcome: Outcome, tookMs: number): void {
    const phase = this.phases.current;
    let counts = this.byPhase.get(phase);
    if (!counts) this.byPhase.set(phase, (counts = new Map()));
    const key = outcomeKey(outcome);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.slowest.set(phase, Math.max(this.slowest.get(phase) ?? 0, tookMs));
    if (outcome.kind !== 'status') return;
    if (outcome.status === 503) this.retryAfters.set(outcome.retryAfter ?? '(none)', (this.retryAfters.get(outcome.retryAfter ?? '(none)') ?? 0) + 1);
    if (outcome.status >= 500 && outcome.status !== 503) this.#violation(`${outcome.status} (a 5xx other than 503)`, phase, `${outcome.status} ${outcome.body.slice(0, 300)}`);
    if (outcome.status === 503 && !outcome.retryAfter) this.#violation('503 without Retry-After', phase, `503 ${outcome.body.slice(0, 300)}`);
  }

  #violation(kind: string, phase: string, what: string): void {
    const key = `${kind} during "${phase}"`;
    const seen = this.violationCounts.get(key) ?? 0;
    this.violationCounts.set(key, seen + 1);
    if (seen < 3) this.violations.push({ key, phase, at: Date.now(), what }); // a few examples of each kind
  }

  toJSON(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.byPhase].map(([phase, counts]) => [phase, Object.fromEntries([...counts].sort())]));
  }
}

export interface LoadOptions {
  apiUrl: string;
  token: string;
  tenant: string;
  type: string;
  /** One idempotency id per event; also sent as data.key, which the receiver reads back. */
  keys: string[];
  concurrency: number;
  /** Events started per second at most (spreads the sending over the faults); Infinity for as fast as it goes. */
  ratePerSec: number;
  /** Gives up the events not yet accepted by then (they are reported as never accepted, not as lost). */
  deadline: number;
  answers: AnswerLog;
  timeoutMs?: number;
}

export interface Load {
  accepted: Map<string, number>;
  /** Events given up: a 4xx answer (with why) or the deadline. */
  notAccepted: Map<string, string>;
  /** Sends made in all, including retries. */
  attempts: number;
  done: Promise<void>;
}

/** How long to wait before sending an event again: Retry-After when the API gives one (capped at 5 s), else 250 ms. */
function backoffMs(outcome: Outcome): number {
  if (outcome.kind === 'status' && outcome.retryAfter) {
    const s = Number(outcome.retryAfter);
    if (Number.isFinite(s)) return Math.min(Math.max(s * 1000, 100), 5_000);
    const date = Date.parse(outcome.retryAfter);
    if (Number.isFinite(date)) return Math.min(Math.max(date - Date.now(), 100), 5_000);
  }
  return 250;
}

export function sendEvents(o: LoadOptions): Load {
  const load: Load = { accepted: new Map(), notAccepted: new Map(), attempts: 0, done: Promise.resolve() };
  const startedAt = Date.now();
  let next = 0;
  const url = `${o.apiUrl}/v1/tenants/${o.tenant}/events`;
  async function one(key: string): Promise<void> {
    const body = { id: key, type: o.type, data: { key } };
    for (;;) {
      if (Date.now() > o.deadline) {
        load.notAccepted.set(key, 'the suite\'s send deadline passed');
        return;
      }
      load.attempts++;
      const sentAt = Date.now();
      const outcome = await call(url, 'POST', { body, token: o.token, timeoutMs: o.timeoutMs ?? 15_000 });
      o.answers.record(outcome, Date.now() - sentAt);
      if (outcome.kind === 'status' && outcome.status >= 200 && outcome.status < 300) {
        load.accepted.set(key, Date.now());
        return;
      }
      if (outcome.kind === 'status' && outcome.status >= 400 && outcome.status < 500 && outcome.status !== 429) {
        load.notAccepted.set(key, `${outcome.status} ${outcome.body.slice(0, 200)}`);
        return;
      }
      // 503, 429, any other 5xx (recorded as a violation), a refused or reset connection, a timeout: the same id again.
      await new Promise((r) => setTimeout(r, backoffMs(outcome)));
    }
  }
  async function lane(): Promise<void> {
    for (;;) {
      const i = next++;
      const key = o.keys[i];
      if (key === undefined) return;
      const notBefore = startedAt + (i / o.ratePerSec) * 1000;
      if (notBefore > Date.now()) await new Promise((r) => setTimeout(r, notBefore - Date.now()));
      await one(key);
    }
  }
  load.done = Promise.all(Array.from({ length: o.concurrency }, lane)).then(() => undefined);
  return load;
}
