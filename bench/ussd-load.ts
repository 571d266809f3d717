/**
 * The load of the USSD benchmarks (bench/ussd.ts), run as a child process of its own so that its CPU is
 * not the gateway's nor the bench's: autocannon (a closed loop, one request at a time per connection),
 * `connections` virtual users, each its own USSD session as Africa's Talking sends it: a distinct
 * `sessionId` per session, `text` every input so far joined by `*`. Prints one JSON line (`LoadReport`)
 * on stdout.
 *
 * Scenarios:
 * - `noop`: `POST /ussd` with the same form body shape to the reference server (bench/noop-server.ts).
 * - `step`: dial, then `6` (account submenu) and `0` (back) alternately, `steps` inputs in all, then `0`
 *   at the root (exit, `END`), and a new session. None runs a command. Timed: the `6`/`0` steps.
 * - `payment`: dial, `3`, merchant code, amount, then the PIN (`END` with the result). Timed: the PIN.
 * - `open`: dial, `3`, merchant code, amount, and stop there: the session stays open at the PIN prompt
 *   (`amount` sessions in all, `connections` at a time). For `sessions.memory`.
 *
 * With `thinkMs` (`payment`), the users are paced as people are: each waits a while (0.5 to 1.5 times
 * `thinkMs`, at random) before each keystroke, so `connections` sessions are open at once without each
 * firing its next request the moment the last one answered. autocannon has no think time: that run is
 * driven by a loop of its own over node:http (keep-alive, one socket per user), building the same
 * requests and checking the same answers.
 *
 * Each virtual user takes the wallets `user, user + connections, …` in turn (the seeded MSISDNs), so no
 * two open sessions share a number. Only responses that arrive after the warm-up are counted; every
 * answer is checked (`CON`/`END` as the step expects), mismatches are counted per kind.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';

export type Scenario = 'noop' | 'step' | 'payment' | 'open';

export interface LoadSpec {
  url: string;
  scenario: Scenario;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Seeded wallets: MSISDN of wallet `i` is `msisdnBase + 1 + i`. */
  msisdnBase: number;
  wallets: number;
  serviceCode: string;
  /** `step`: menu inputs per session before the exit. */
  steps?: number;
  /** `payment`/`open`. */
  merchant?: string;
  amount?: string;
  pin?: string;
  /** Mean think time before each request of a session, ms (`payment` only); unset: none (autocannon). */
  thinkMs?: number;
  /**
   * Sessions to run in all, instead of `seconds` (the run then ends on its own, every session whole and
   * every answer counted): `open` must have it; a multiple of `connections`.
   */
  sessions?: number;
}

export interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadReport {
  /** Timed requests a second in the measured window, and all requests a second. */
  timedPerSecond: number;
  requestsPerSecond: number;
  measuredSeconds: number;
  /** Latency (ms) per kind of request, measured window only. */
  kinds: Record<string, Latency>;
  /** Answers that were not what the step expects, per kind (with one example). */
  mismatches: Record<string, { count: number; example: string }>;
  /** Payment outcomes by their text (`paid`, `other`). */
  outcomes: Record<string, number>;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface Context {
  user?: number;
  sessionId: string;
  msisdn: string;
  path: string;
}

interface RequestSpec {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  kind: string;
  setupRequest: (req: Record<string, unknown>, context: Context) => Record<string, unknown>;
  onResponse: (status: number, body: string, context: Context) => void;
}

export type Instance = {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'done', fn: (result: AutocannonResult) => void): void;
  stop(): void;
};
export interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
}
export type Autocannon = (
  opts: Record<string, unknown>,
  cb?: (err: Error | null, r: AutocannonResult) => void,
) => Instance;

export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function percentileOf(sorted: Float64Array, p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const r2 = (n: number) => Math.round(n * 100) / 100;

export function summarize(values: number[]): Latency {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    count: values.length,
    p50: r2(percentileOf(sorted, 50)),
    p90: r2(percentileOf(sorted, 90)),
    p99: r2(percentileOf(sorted, 99)),
    max: r2(sorted.length ? sorted[sorted.length - 1] : Number.NaN),
    mean: r2(values.length ? sum / values.length : Number.NaN),
  };
}

/** An even number of steps (a session ends back at the root), `mean + 2 * offset`, at least 2. */
export const stepsOf = (mean: number, offset: number) => Math.max(2, 2 * Math.round(mean / 2) + 2 * offset);

export async function runLoad(spec: LoadSpec): Promise<LoadReport> {
  const run = randomBytes(3).toString('hex');
  const latencies = new Map<string, number[]>();
  const mismatches: Record<string, { count: number; example: string }> = {};
  const outcomes: Record<string, number> = {};
  const timed = new Set(
    spec.scenario === 'payment' ? ['pin'] : spec.scenario === 'step' ? ['step'] : ['noop', 'amount'],
  );
  let sessions = 0;
  let all = 0;
  let measuring = false;
  let lastKind = '';
  const url = new URL(spec.url);
  const form = (c: Context) =>
    new URLSearchParams({
      sessionId: c.sessionId,
      serviceCode: spec.serviceCode,
      phoneNumber: `+${c.msisdn}`,
      text: c.path,
    }).toString();
  const expect = (kind: string, prefix: 'CON' | 'END') => (status: number, body: string) => {
    lastKind = kind;
    if (!measuring) return;
    if (status !== 200 || !body.startsWith(`${prefix} `)) {
      mismatches[kind] ??= { count: 0, example: `${status} ${body.slice(0, 120)}` };
      mismatches[kind].count++;
    }
    if (kind === 'pin') {
      const outcome = body.includes('已向') || body.includes('Paid') ? 'paid' : 'other';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'other') outcomes[`example: ${body.slice(0, 80)}`] = 1;
    }
  };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const request = (kind: string, prefix: 'CON' | 'END', next: (c: Context) => void): RequestSpec => ({
    method: 'POST',
    path: url.pathname,
    headers,
    kind,
    setupRequest: (req, c) => {
      next(c);
      return { ...req, body: form(c) };
    },
    onResponse: expect(kind, prefix),
  });
  const typed = (key: string) => (c: Context) => {
    c.path = c.path ? `${c.path}*${key}` : key;
  };
  /** Sessions each virtual user has started: its next one uses wallet `user + turns * connections`. */
  const turns = new Map<number, number>();
  /** A new session of the connection's virtual user (its number rides in the connection's context). */
  const dialAs = (c: Context) => {
    // Before `setupClient` the context has no user yet: that request is built again once it has.
    const user = c.user ?? 0;
    const turn = c.user === undefined ? 0 : (turns.get(user) ?? 0);
    if (c.user !== undefined) turns.set(user, turn + 1);
    c.sessionId = `bench-${run}-${sessions++}`;
    c.msisdn = String(spec.msisdnBase + 1 + ((user + turn * spec.connections) % spec.wallets));
    c.path = '';
  };

  let requests: RequestSpec[];
  switch (spec.scenario) {
    case 'noop':
      requests = [
        request('noop', 'END', (c) => {
          c.sessionId = `bench-${run}-${sessions++}`;
          c.msisdn = String(spec.msisdnBase + 1 + (sessions % spec.wallets));
          c.path = '';
        }),
      ];
      break;
    case 'step': {
      // The longest session; each user's own length is set in `setupClient`.
      const steps = stepsOf(spec.steps ?? 20, 10);
      requests = [request('dial', 'CON', dialAs)];
      for (let i = 0; i < steps; i++) requests.push(request('step', 'CON', typed(i % 2 === 0 ? '6' : '0')));
      // Back at the root after an even number of steps: `0` there exits.
      requests.push(request('exit', 'END', typed('0')));
      break;
    }
    case 'payment':
    case 'open':
      requests = [
        request('dial', 'CON', dialAs),
        request('menu', 'CON', typed('3')),
        request('merchant', 'CON', typed(spec.merchant ?? 'BENCH01')),
        request('amount', 'CON', typed(spec.amount ?? '5')),
      ];
      if (spec.scenario === 'payment') requests.push(request('pin', 'END', typed(spec.pin ?? '135790')));
      break;
  }

  if (spec.thinkMs !== undefined) {
    const paced = await runPaced(spec, requests, url, () => {
      measuring = true;
    });
    for (const [kind, values] of paced.latencies) latencies.set(kind, values);
    all = paced.all;
    return report(paced.measuredSeconds, { errors: paced.errors, timeouts: 0, non2xx: paced.non2xx });
  }

  // Users are numbered per connection: autocannon clones `initialContext` into each connection's context
  // at each turn of the sequence, and builds the first request before `setupClient`: it is built again.
  let users = 0;
  const setupClient = (client: {
    requestIterator: { initialContext: Partial<Context>; resetContext(): void; requests: RequestSpec[] };
    setRequests(r: RequestSpec[]): void;
  }) => {
    const user = users++;
    client.requestIterator.initialContext = { user };
    client.requestIterator.resetContext();
    // Its own copy of the requests (autocannon deep-copies the options per connection). In `step`, users'
    // sessions differ in length (`steps` on average, ±10), so that their dials, which all come at once
    // at the start, spread out instead of coming back together at every new session.
    const own = client.requestIterator.requests;
    if (spec.scenario === 'step') {
      const steps = stepsOf(spec.steps ?? 20, (user % 11) - 5);
      own.splice(1 + steps, own.length - 2 - steps);
    }
    client.setRequests(own);
  };

  // A number of whole sessions (`open`, or a warm-up): every connection runs whole sequences, none cut off.
  const open = spec.scenario === 'open' || spec.sessions !== undefined;
  const total = spec.warmupSeconds + spec.seconds;
  const started = performance.now();
  let measuredFrom = started;
  const opts: Record<string, unknown> = {
    url: url.origin,
    connections: spec.connections,
    pipelining: 1,
    timeout: 30,
    requests,
    setupClient,
    ...(open ? { amount: (spec.sessions ?? 10_000) * requests.length } : { duration: total }),
  };
  if (open) measuring = true;
  const warm = open
    ? null
    : setTimeout(() => {
        measuring = true;
        measuredFrom = performance.now();
      }, spec.warmupSeconds * 1000);
  // The parent times its CPU readings from this line.
  process.stderr.write('started\n');
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(opts, (err, r) => (err ? reject(err) : resolve(r)));
    instance.on('response', (_client, _status, _bytes, ms) => {
      if (!measuring) return;
      all++;
      const list = latencies.get(lastKind);
      if (list) list.push(ms);
      else latencies.set(lastKind, [ms]);
    });
  });
  if (warm) clearTimeout(warm);
  return report((performance.now() - measuredFrom) / 1000, result);

  function report(
    measuredSeconds: number,
    result: Pick<AutocannonResult, 'errors' | 'timeouts' | 'non2xx'>,
  ): LoadReport {
    const kinds: Record<string, Latency> = {};
    let timedCount = 0;
    for (const [kind, values] of latencies) {
      kinds[kind] = summarize(values);
      if (timed.has(kind)) timedCount += values.length;
    }
    return {
      timedPerSecond: r2(timedCount / measuredSeconds),
      requestsPerSecond: r2(all / measuredSeconds),
      measuredSeconds: r2(measuredSeconds),
      kinds,
      mismatches,
      outcomes,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    };
  }
}

/**
 * The users of `spec` paced by think time: each runs the session `requests` over and over on a
 * keep-alive socket of its own, waiting 0.5–1.5 × `thinkMs` before each request. Latencies of the
 * requests answered after the warm-up (`measure` is called when it ends), by kind.
 */
async function runPaced(
  spec: LoadSpec,
  requests: RequestSpec[],
  url: URL,
  measure: () => void,
): Promise<{
  latencies: Map<string, number[]>;
  all: number;
  errors: number;
  non2xx: number;
  measuredSeconds: number;
}> {
  const thinkMs = spec.thinkMs ?? 0;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies = new Map<string, number[]>();
  let all = 0;
  let errors = 0;
  let non2xx = 0;
  let measuring = false;
  const started = performance.now();
  const measuredFrom = started + spec.warmupSeconds * 1000;
  const endAt = measuredFrom + spec.seconds * 1000;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const post = (body: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.setNoDelay(true);
      req.on('error', reject);
      req.end(body);
    });
  const warm = setTimeout(() => {
    measuring = true;
    measure();
  }, spec.warmupSeconds * 1000);
  process.stderr.write('started\n');
  const user = async (n: number) => {
    const context = { user: n } as Context;
    // Users start spread over one think time, as people do, not all at the same instant.
    await sleep(Math.random() * thinkMs);
    while (performance.now() < endAt) {
      for (const r of requests) {
        await sleep(thinkMs * (0.5 + Math.random()));
        // The window is over: what is left of the session is not waited for.
        if (performance.now() >= endAt) break;
        const built = r.setupRequest({}, context) as { body: string };
        const t0 = performance.now();
        try {
          const answer = await post(built.body, r.headers);
          const ms = performance.now() - t0;
          r.onResponse(answer.status, answer.body, context);
          if (answer.status < 200 || answer.status >= 300) non2xx++;
          if (measuring && performance.now() <= endAt) {
            all++;
            const list = latencies.get(r.kind);
            if (list) list.push(ms);
            else latencies.set(r.kind, [ms]);
          }
        } catch {
          errors++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, (_, n) => user(n)));
  clearTimeout(warm);
  agent.destroy();
  return { latencies, all, errors, non2xx, measuredSeconds: spec.seconds };
}

/**
 * Runs `load` when the module at `moduleUrl` is the process's entry script (a load child, started as
 * `node --import tsx bench/<x>-load.ts '<spec as JSON>'`): its report goes to stdout as one JSON line.
 */
export function runAsLoadChild<S, R>(moduleUrl: string, load: (spec: S) => Promise<R>): void {
  if (!process.argv[1] || !moduleUrl.endsWith(process.argv[1].split('/').pop() ?? '\0')) return;
  load(JSON.parse(process.argv[2]) as S).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}

runAsLoadChild(import.meta.url, runLoad);
