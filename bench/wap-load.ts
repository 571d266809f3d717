/**
 * The load of the WAP benchmark (bench/wap.ts), a child process of its own so that its CPU is neither the
 * gateway's nor the bench's: autocannon, a closed loop (one request at a time per connection),
 * `connections` virtual users, each a logged-in WAP session of its own (its cookie, made by the bench
 * before the clock), each asking for its home page (`GET /wap`: the session read from Redis, the balance
 * from the ledger, the page rendered) again and again. `noop`: the same requests, same cookies, to
 * `bench/noop-server.ts`, whose `GET /wap` answers a fixed page. Every answer is checked: a 200 holding
 * `expect` (the balance line). Prints one JSON line (`LoadReport`). Only responses after the warm-up count.
 */
import {
  type AutocannonResult,
  autocannon,
  type LoadReport,
  runAsLoadChild,
  summarize,
} from './ussd-load.js';

export type WapScenario = 'noop' | 'page';

export interface WapLoadSpec {
  /** The server's origin (`http://127.0.0.1:<port>`). */
  url: string;
  scenario: WapScenario;
  /** One cookie header (`wap_sid=…`) per virtual user: `connections` is their number. */
  cookies: string[];
  seconds: number;
  warmupSeconds: number;
  /** What every answer must hold. */
  expect: string;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

export async function runWapLoad(spec: WapLoadSpec): Promise<LoadReport> {
  const latencies: number[] = [];
  const mismatches: Record<string, { count: number; example: string }> = {};
  let measuring = false;
  const kind = spec.scenario === 'noop' ? 'noop' : 'page';
  let users = 0;
  const setupClient = (client: { setHeaders(h: Record<string, string>): void }) => {
    client.setHeaders({ cookie: spec.cookies[users++ % spec.cookies.length] });
  };
  const requests = [
    {
      method: 'GET',
      path: '/wap',
      onResponse: (status: number, body: string) => {
        if (!measuring) return;
        if (status !== 200 || !body.includes(spec.expect)) {
          mismatches[kind] ??= { count: 0, example: `${status} ${body.slice(0, 160)}` };
          mismatches[kind].count++;
        }
      },
    },
  ];
  const started = performance.now();
  let measuredFrom = started;
  const warm = setTimeout(() => {
    measuring = true;
    measuredFrom = performance.now();
  }, spec.warmupSeconds * 1000);
  // The parent times its CPU readings from this line.
  process.stderr.write(`${spec.cookies.length} sessions; started\n`);
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: new URL(spec.url).origin,
        connections: spec.cookies.length,
        pipelining: 1,
        timeout: 30,
        requests,
        setupClient,
        duration: spec.warmupSeconds + spec.seconds,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => {
      if (measuring) latencies.push(ms);
    });
  });
  clearTimeout(warm);
  const measuredSeconds = (performance.now() - measuredFrom) / 1000;
  return {
    timedPerSecond: r2(latencies.length / measuredSeconds),
    requestsPerSecond: r2(latencies.length / measuredSeconds),
    measuredSeconds: r2(measuredSeconds),
    kinds: { [kind]: summarize(latencies) },
    mismatches,
    outcomes: {},
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

runAsLoadChild(import.meta.url, runWapLoad);
