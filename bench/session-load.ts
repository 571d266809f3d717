/**
 * A closed loop of whole sessions under autocannon, for the load children of the screen channels
 * (bench/stk-load.ts, bench/ivr-load.ts): `connections` virtual users,
 * each sending one session's requests in order, one at a time, then its next session. The requests of
 * a session are the caller's (`sessionOf`), built the same way against a gateway and its reference,
 * so that this process holds the same heap and does the same work per request in both runs. Every answer
 * is checked against what its request expects; latencies are kept per kind, only after the warm-up.
 */
import { type AutocannonResult, autocannon, type Latency, type LoadReport, summarize } from './ussd-load.js';

/** One request ready to send, and a substring its answer must hold. */
export interface PreparedRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  expect: string;
}

export interface SessionLoadOptions {
  /** The server's origin. */
  url: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** The requests of user `user`'s `turn`-th session; each session of a user has `lengthOf(user)`. */
  sessionOf(user: number, turn: number): PreparedRequest[];
  lengthOf(user: number): number;
  /** The kind whose requests a second are `timedPerSecond`. */
  timedKind: string;
  /** A reference run: every answer counts as kind `noop` and must hold this instead. */
  noopExpect?: string;
}

interface Context {
  user?: number;
  session?: PreparedRequest[];
  at: number;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

export async function runSessionLoad(o: SessionLoadOptions): Promise<LoadReport> {
  const turns = new Map<number, number>();
  const placeholder = o.sessionOf(0, 0)[0];
  const latencies = new Map<string, number[]>();
  const mismatches: Record<string, { count: number; example: string }> = {};
  let all = 0;
  let measuring = false;
  let lastKind = '';
  const next = (c: Context): PreparedRequest => {
    // Before `setupClient` the context has no user yet: that request is built again once it has.
    if (c.user === undefined) return placeholder;
    if (c.at === 0) {
      const turn = turns.get(c.user) ?? 0;
      turns.set(c.user, turn + 1);
      c.session = o.sessionOf(c.user, turn);
    }
    return c.session![c.at];
  };
  const request = {
    method: 'POST' as const,
    path: '/',
    setupRequest: (req: Record<string, unknown>, c: Context) => {
      c.at ??= 0;
      const p = next(c);
      // autocannon adds `Content-Length` to these headers: the same each time for the same body.
      return { ...req, path: p.path, headers: p.headers, body: p.body };
    },
    onResponse: (status: number, body: string, c: Context) => {
      const p = c.session![c.at];
      c.at++;
      const kind = o.noopExpect === undefined ? p.kind : 'noop';
      lastKind = kind;
      if (!measuring) return;
      const expect = o.noopExpect ?? p.expect;
      if (status !== 200 || !body.includes(expect)) {
        mismatches[kind] ??= { count: 0, example: `${status} ${body.slice(0, 160)}` };
        mismatches[kind].count++;
      }
    },
  };
  let longest = 0;
  for (let user = 0; user < o.connections; user++) longest = Math.max(longest, o.lengthOf(user));
  let users = 0;
  const setupClient = (client: {
    requestIterator: { initialContext: Partial<Context>; resetContext(): void; requests: unknown[] };
    setRequests(r: unknown[]): void;
  }) => {
    const user = users++;
    client.requestIterator.initialContext = { user, at: 0 };
    client.requestIterator.resetContext();
    // One spec per request of the user's sessions.
    const own = client.requestIterator.requests;
    own.splice(o.lengthOf(user));
    client.setRequests(own);
  };

  let measuredFrom = performance.now();
  const warm = setTimeout(() => {
    measuring = true;
    measuredFrom = performance.now();
  }, o.warmupSeconds * 1000);
  // The parent times its CPU readings from this line.
  process.stderr.write('started\n');
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: new URL(o.url).origin,
        connections: o.connections,
        pipelining: 1,
        timeout: 30,
        requests: Array.from({ length: longest }, () => ({ ...request })),
        setupClient,
        duration: o.warmupSeconds + o.seconds,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => {
      if (!measuring) return;
      all++;
      const list = latencies.get(lastKind);
      if (list) list.push(ms);
      else latencies.set(lastKind, [ms]);
    });
  });
  clearTimeout(warm);
  const measuredSeconds = (performance.now() - measuredFrom) / 1000;
  const kinds: Record<string, Latency> = {};
  for (const [kind, values] of latencies) kinds[kind] = summarize(values);
  const timed = o.noopExpect === undefined ? o.timedKind : 'noop';
  return {
    timedPerSecond: r2((latencies.get(timed)?.length ?? 0) / measuredSeconds),
    requestsPerSecond: r2(all / measuredSeconds),
    measuredSeconds: r2(measuredSeconds),
    kinds,
    mismatches,
    outcomes: {},
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}
