/**
 * The load of the STK benchmark (bench/stk.ts), run as a child process of its own so that its CPU is not
 * the gateway's nor the bench's: autocannon (a closed loop, one request at a time per connection),
 * `connections` virtual users, each its own SIM Toolkit session at a time as an OTA platform forwards
 * it: `POST /stk/events` with `{msisdn, sessionId, tlv}`, the TLV what the SIM sent (TS 102 223).
 * Prints one JSON line (`StkLoadReport`).
 *
 * A session: the MENU SELECTION envelope of item 6 (account management; kind `open`), then a terminal
 * response "backward move" (`11`: back to the root menu) and one choosing item 6 again, alternately,
 * `steps` in all (kind `step`, timed), then one "terminated by the user" (`10`; kind `exit`, `END`).
 * The proactive command each answers is a SELECT ITEM (`81 03 01 24 00`) every time, so every request
 * of the run is built before the clock starts. None runs a command. Every answer is checked: a SELECT
 * ITEM for the steps, `END` for the exit.
 *
 * `noop`: the same requests to bench/noop-server.ts, whose STK route answers `{"command":"END"}`;
 * every request is timed there (kind `noop`). Each virtual user takes the wallets `user, user +
 * connections, …` in turn (the seeded MSISDNs), so no two sessions at once share a number. Only
 * responses after the warm-up are counted.
 */
import { randomBytes } from 'node:crypto';
import {
  type AutocannonResult,
  autocannon,
  type Latency,
  type LoadReport,
  runAsLoadChild,
  stepsOf,
  summarize,
} from './ussd-load.js';

export type StkScenario = 'noop' | 'step';

export interface StkLoadSpec {
  /** The server's origin (`http://127.0.0.1:<port>`). */
  url: string;
  scenario: StkScenario;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Seeded wallets: MSISDN of wallet `i` is `msisdnBase + 1 + i`. */
  msisdnBase: number;
  wallets: number;
  /** Terminal responses (back, item 6, …) per session on average before the exit (±10 by user). */
  steps: number;
}

export type StkLoadReport = LoadReport;

/** What the SIM sends, per TS 102 223: the envelope of item 6, and terminal responses to SELECT ITEM. */
export const SIM = {
  menuItem6: 'D30782020181900106',
  back: '810301240082028281830111',
  item6: '810301240082028281830100900106',
  end: '810301240082028281830110',
} as const;

interface Prepared {
  kind: 'open' | 'step' | 'exit';
  body: string;
  /** A substring the answer must contain. */
  expect: string;
}

interface Context {
  user?: number;
  session?: Prepared[];
  at: number;
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const HEADERS = { 'content-type': 'application/json' };

export async function runStkLoad(spec: StkLoadSpec): Promise<StkLoadReport> {
  const run = randomBytes(3).toString('hex');
  let sessions = 0;
  const sessionOf = (msisdn: string, steps: number): Prepared[] => {
    const base = { msisdn, sessionId: `stk-${run}-${(sessions++).toString(36)}` };
    const body = (tlv: string) => JSON.stringify({ ...base, tlv });
    const out: Prepared[] = [{ kind: 'open', body: body(SIM.menuItem6), expect: '"SELECT_ITEM"' }];
    for (let n = 1; n <= steps; n++)
      out.push({ kind: 'step', body: body(n % 2 === 1 ? SIM.back : SIM.item6), expect: '"SELECT_ITEM"' });
    out.push({ kind: 'exit', body: body(SIM.end), expect: '"END"' });
    return out;
  };
  const stepsOfUser = (user: number) => stepsOf(spec.steps, (user % 11) - 5);
  const msisdnOf = (user: number, turn: number) =>
    String(spec.msisdnBase + 1 + ((user + turn * spec.connections) % spec.wallets));
  const turns = new Map<number, number>();
  const placeholder = sessionOf(msisdnOf(0, 0), 2)[0];

  const latencies = new Map<string, number[]>();
  const mismatches: Record<string, { count: number; example: string }> = {};
  let all = 0;
  let measuring = false;
  let lastKind = '';
  const next = (c: Context): Prepared => {
    // Before `setupClient` the context has no user yet: that request is built again once it has.
    if (c.user === undefined) return placeholder;
    if (c.at === 0) {
      const turn = turns.get(c.user) ?? 0;
      turns.set(c.user, turn + 1);
      // The reference checks nothing: its users send one session's requests over and over.
      c.session = sessionOf(msisdnOf(c.user, spec.scenario === 'noop' ? 0 : turn), stepsOfUser(c.user));
    }
    return c.session![c.at];
  };
  const request = {
    method: 'POST' as const,
    path: '/stk/events',
    setupRequest: (req: Record<string, unknown>, c: Context) => {
      c.at ??= 0;
      return { ...req, path: '/stk/events', headers: HEADERS, body: next(c).body };
    },
    onResponse: (status: number, body: string, c: Context) => {
      const p = c.session![c.at];
      c.at++;
      const kind = spec.scenario === 'noop' ? 'noop' : p.kind;
      lastKind = kind;
      if (!measuring) return;
      const expect = spec.scenario === 'noop' ? '"command"' : p.expect;
      if (status !== 200 || !body.includes(expect)) {
        mismatches[kind] ??= { count: 0, example: `${status} ${body.slice(0, 160)}` };
        mismatches[kind].count++;
      }
    },
  };
  // One spec per request of the longest session; each user keeps as many as its own sessions have.
  const longest = stepsOf(spec.steps, 10) + 2;
  let users = 0;
  const setupClient = (client: {
    requestIterator: { initialContext: Partial<Context>; resetContext(): void; requests: unknown[] };
    setRequests(r: unknown[]): void;
  }) => {
    const user = users++;
    client.requestIterator.initialContext = { user, at: 0 };
    client.requestIterator.resetContext();
    const own = client.requestIterator.requests;
    own.splice(stepsOfUser(user) + 2);
    client.setRequests(own);
  };

  const total = spec.warmupSeconds + spec.seconds;
  let measuredFrom = performance.now();
  const warm = setTimeout(() => {
    measuring = true;
    measuredFrom = performance.now();
  }, spec.warmupSeconds * 1000);
  // The parent times its CPU readings from this line.
  process.stderr.write('started\n');
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: new URL(spec.url).origin,
        connections: spec.connections,
        pipelining: 1,
        timeout: 30,
        requests: Array.from({ length: longest }, () => ({ ...request })),
        setupClient,
        duration: total,
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
  const timed = spec.scenario === 'noop' ? 'noop' : 'step';
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

runAsLoadChild(import.meta.url, runStkLoad);
