/**
 * The USSD benchmarks (spec/BENCH.md): `ussd.step` (p99 of one menu step with 500 sessions at once),
 * against `http.noop` (an express route answering `END ok`, same load) measured right before and right
 * after; `ussd.payment` (p99 from a payment's PIN keystroke to its `END`, 200 sessions) against
 * `ussd.step`; `sessions.memory` (the gateway's RSS growth with 10,000 USSD sessions open at the PIN
 * prompt).
 *
 * The gateway runs as in production, a child process `node --import tsx src/main/gateway.ts` (no SMPP
 * link) on a database and Redis prefix of its own, with 10,000 wallets seeded as `account.open` makes
 * them (`seedWallets`, their PIN keyed under the run's `PIN_KEY`) and one merchant. The load is
 * autocannon in a child process of its own (bench/ussd-load.ts), a closed loop: each connection is one
 * virtual user whose sessions follow each other, each with its own `sessionId` and the `text` path
 * growing as Africa's Talking sends it. CPU is read from `/proc` over the measured window only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createMerchant } from '../src/ledger/merchants.js';
import { createDb } from '../src/lib/db.js';
import { keyringOf } from '../src/lib/keyring.js';
import { failOnExit, freePort, type OwnedChild, spawnOwned } from './kannel.js';
import { seedWallets } from './ledger-transfers.js';
import {
  type Benchmark,
  benchSeconds,
  coresByName,
  cpuOfPrograms,
  cpuPerOperation,
  cpuPerOperationOf,
  gatewayNodeFlags,
  log,
  REDIS_URL,
  type Result,
  type Results,
  round,
  sleep,
  warmupSeconds,
  withDatabase,
  withRedisPrefix,
} from './lib.js';
import type { LoadReport, LoadSpec } from './ussd-load.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVICE_CODE = '*1065#';
/** The seeded wallets (bench/ledger-transfers.ts): MSISDN of wallet `i` is `MSISDN_BASE + 1 + i`. */
export const MSISDN_BASE = 8613900000000;
export const WALLETS = 10_000;
/** Sessions (calls, logged-in users) at once in the step benchmarks of the other channels (BENCH.md). */
export const SCREEN_CONNECTIONS = 200;
const PIN = '135790';
const MERCHANT = 'BENCH01';
/** ¥5 a payment: far below the per-payment and daily caps however often a wallet pays. */
const AMOUNT = '5';
const STEP_CONNECTIONS = 500;
const PAYMENT_CONNECTIONS = 200;
const OPEN_SESSIONS = 10_000;
/** Menu inputs (`6`, `0`, …) per session of `ussd.step` before its exit: paths up to ~40 characters. */
const STEPS_PER_SESSION = 20;
const READY_TIMEOUT_MS = 90_000;
/** At most this share of the timed answers may be wrong (not the screen the step expects). */
const MAX_ERROR_SHARE = 0.001;
const PROGRAMS = ['gateway', 'autocannon', 'noop', 'postgres', 'redis'];

/** The measured window of the USSD benchmarks: `BENCH_USSD_SECONDS`, else `BENCH_SECONDS`, else 10. */
export function ussdSeconds(): number {
  const raw = process.env.BENCH_USSD_SECONDS;
  if (raw === undefined || raw === '') return benchSeconds(10);
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`BENCH_USSD_SECONDS must be a positive number (got ${raw})`);
  return n;
}

/**
 * The warm-up of `ussd.step` and of its reference: at least 5 s, as the 500 first dials come all at once
 * (each reads the caller's profile in PostgreSQL) and take seconds to clear; later ones are spread out.
 */
export const stepWarmup = () => Math.max(warmupSeconds(), 5);

// ---------------------------------------------------------------------------------------------------
// The processes

export interface Target {
  url: string;
  /** Named in the CPU readings. */
  pids: Record<number, string>;
  database: string;
}

/** Runs the load child on `spec`, reading each program's CPU over the measured window only. */
function runLoad(
  target: Target,
  spec: Omit<LoadSpec, 'url' | 'msisdnBase' | 'wallets' | 'serviceCode'> &
    Partial<Pick<LoadSpec, 'msisdnBase' | 'wallets'>>,
): Promise<LoadReport & { cpu: Map<string, number> }> {
  const full: LoadSpec = {
    ...spec,
    url: `${target.url}/ussd`,
    msisdnBase: spec.msisdnBase ?? MSISDN_BASE,
    wallets: spec.wallets ?? WALLETS,
    serviceCode: SERVICE_CODE,
  };
  return runLoadScript('bench/ussd-load.ts', target, full);
}

/**
 * Runs a load script (bench/ussd-load.ts, bench/ivr-load.ts: autocannon in a child process of its own,
 * printing a `LoadReport` line) on `spec`, reading each program's CPU over the measured window only
 * (none when `spec.sessions` is set: a run of whole sessions has no window).
 */
export async function runLoadScript<S extends { seconds: number; warmupSeconds: number; sessions?: number }>(
  script: string,
  target: Target,
  spec: S,
): Promise<LoadReport & { cpu: Map<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ussd-load-'));
  const load = spawnOwned('autocannon', process.execPath, ['--import', 'tsx', script, JSON.stringify(spec)], {
    cwd: ROOT,
    logFile: join(dir, 'load.log'),
    env: { ...process.env },
  });
  const names = { ...target.pids, [load.child.pid ?? -1]: 'autocannon' };
  const died = load.exited;
  let ok = false;
  try {
    // The load starts its clock once loaded: the window is timed from its `started` line.
    const deadline = Date.now() + 30_000;
    while (!load.tail().includes('started')) {
      if (!load.running() || Date.now() > deadline)
        throw new Error(`the load did not start; its output:\n${load.tail() || '(nothing)'}`);
      await sleep(10);
    }
    let cpu = new Map<string, number>();
    if (!spec.sessions) {
      await sleep(spec.warmupSeconds * 1000);
      const before = await cpuOfPrograms(target.database, PROGRAMS, names);
      const t0 = performance.now();
      // Read before the load ends: the CPU of a process that has exited is lost.
      await sleep(Math.max(0, spec.seconds * 1000 - 300));
      const after = await cpuOfPrograms(target.database, PROGRAMS, names);
      cpu = coresByName(before, after, (performance.now() - t0) / 1000);
    }
    const { code } = await died;
    const line = load
      .tail()
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`the load failed (exit ${code}):\n${load.tail()}`);
    ok = true;
    return { ...(JSON.parse(line) as LoadReport), cpu };
  } finally {
    await load.stop(5_000);
    if (ok) rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `url` until it answers 200; rejects with its last answer after `timeoutMs`. */
async function waitForOk(url: string, timeoutMs: number, died: Promise<never>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const answer = await Promise.race([
      fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
        async (res) => (res.status === 200 ? null : `${res.status} ${(await res.text()).slice(0, 300)}`),
        (err: Error) => err.message,
      ),
      died,
    ]);
    if (answer === null) return;
    last = answer;
    await sleep(250);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

/**
 * `http.noop`'s server, started for `work` and stopped after it, on the gateway's Node flags (npm
 * start's): the reference runs under the same runtime settings as what it is compared with.
 */
export async function withNoopServer<T>(work: (target: Target) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-noop-'));
  const port = await freePort();
  const args = [...gatewayNodeFlags(), '--import', 'tsx', 'bench/noop-server.ts'];
  const server = spawnOwned('noop', process.execPath, args, {
    cwd: ROOT,
    logFile: join(dir, 'noop.log'),
    env: { ...process.env, PORT: String(port) },
  });
  const died = failOnExit(server);
  died.catch(() => undefined);
  try {
    const deadline = Date.now() + 30_000;
    while (!server.tail().includes('listening')) {
      if (!server.running() || Date.now() > deadline)
        throw new Error(`the noop server did not start: ${server.tail() || '(nothing)'}`);
      await sleep(20);
    }
    return await Promise.race([
      work({ url: `http://127.0.0.1:${port}`, pids: { [server.child.pid ?? -1]: 'noop' }, database: '' }),
      died,
    ]);
  } finally {
    await server.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Gateway extends Target {
  owned: OwnedChild;
  prefix: string;
}

/**
 * A fresh database with the seeded wallets and the merchant, a Redis prefix, and the gateway started on
 * them (its PIN key the one the wallets' PINs are keyed under); one dial checks the USSD path before
 * `work`. The gateway is stopped (SIGTERM, SIGKILL after 10 s) whatever happens.
 */
export async function withGateway<T>(
  name: string,
  work: (gateway: Gateway) => Promise<T>,
  /** More environment for the gateway child (the IVR's `TWILIO_AUTH_TOKEN` and `PUBLIC_URL`). */
  env: Record<string, string> = {},
): Promise<T> {
  return withDatabase({ migrate: true }, (databaseUrl) =>
    withRedisPrefix(async (prefix) => {
      const t0 = performance.now();
      const pinKey = randomBytes(32).toString('hex');
      await seedWallets(databaseUrl, pinKey);
      const db = createDb(databaseUrl, 2);
      try {
        if (!(await createMerchant(db, keyringOf({ pinKey }), { code: MERCHANT, name: 'Bench shop' })))
          throw new Error(`could not create the merchant ${MERCHANT}`);
      } finally {
        await db.destroy();
      }
      log(`${name}: ${WALLETS} wallets seeded in ${round((performance.now() - t0) / 1000, 1)} s`);
      const dir = mkdtempSync(join(tmpdir(), 'bench-ussd-'));
      const port = await freePort();
      const profileDir = process.env.BENCH_CPU_PROF;
      const owned = spawnOwned(
        'gateway',
        process.execPath,
        [
          ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/gateway-${name}`] : []),
          ...gatewayNodeFlags(),
          '--import',
          'tsx',
          process.env.BENCH_GATEWAY_ENTRY || 'src/main/gateway.ts',
        ],
        {
          cwd: ROOT,
          logFile: join(dir, 'gateway.log'),
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            REDIS_URL,
            REDIS_PREFIX: prefix,
            PORT: String(port),
            OPS_TOKEN: randomBytes(18).toString('base64url'),
            PIN_KEY: pinKey,
            USSD_SERVICE_CODE: SERVICE_CODE,
            LOG_LEVEL: process.env.BENCH_GATEWAY_LOG_LEVEL || 'warn',
            SMPP_URL: '',
            // As in production: no phone simulator, so no in-process SMSC and SMS channel beside the load.
            NODE_ENV: 'production',
            ...env,
          },
        },
      );
      const died = failOnExit(owned);
      died.catch(() => undefined); // raced below; after the run its exit is expected
      let failed = true;
      try {
        const url = `http://127.0.0.1:${port}`;
        await waitForOk(`${url}/readyz`, READY_TIMEOUT_MS, died);
        // A dial and its exit (`0`): the session must not stay open, or the load's first dial of that
        // number would be offered to resume it.
        const probeStep = (sessionId: string, text: string) =>
          fetch(`${url}/ussd`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              sessionId,
              serviceCode: SERVICE_CODE,
              phoneNumber: `+${MSISDN_BASE + 1}`,
              text,
            }).toString(),
          }).then((r) => r.text());
        const probeId = `probe-${randomBytes(4).toString('hex')}`;
        const probe = await Promise.race([probeStep(probeId, ''), died]);
        const bye = await Promise.race([probeStep(probeId, '0'), died]);
        if (!bye.startsWith('END '))
          throw new Error(`the exit of the probe's session got ${JSON.stringify(bye)}`);
        if (!probe.startsWith('CON '))
          throw new Error(`the dial of a seeded wallet got ${JSON.stringify(probe)}`);
        log(`${name}: gateway up; a dial answers ${JSON.stringify(probe.slice(0, 60))}…`);
        const database = new URL(databaseUrl).pathname.slice(1);
        const result = await Promise.race([
          work({ url, pids: { [owned.child.pid ?? -1]: 'gateway' }, database, owned, prefix }),
          died,
        ]);
        failed = false;
        return result;
      } catch (err) {
        throw new Error(`${(err as Error).message} (gateway log: ${join(dir, 'gateway.log')})`);
      } finally {
        await owned.stop(10_000);
        if (failed) log(`${name}: the gateway's last output:\n${owned.tail() || '(nothing)'}`);
        else rmSync(dir, { recursive: true, force: true });
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Checks and notes

/** Fails the benchmark when the timed answers were too often not the screen expected. */
export function checkLoad(name: string, r: LoadReport, timedKinds: string[]): void {
  const timed = timedKinds.reduce((n, k) => n + (r.kinds[k]?.count ?? 0), 0);
  if (!timed) throw new Error(`${name}: no timed answer in the measured window: ${JSON.stringify(r)}`);
  const wrong = Object.values(r.mismatches).reduce((n, m) => n + m.count, 0) + r.errors + r.timeouts;
  if (wrong > timed * MAX_ERROR_SHARE)
    throw new Error(
      `${name}: ${wrong} wrong answers, errors or timeouts for ${timed} timed requests: ${JSON.stringify(r.mismatches)}; errors ${r.errors}, timeouts ${r.timeouts}`,
    );
}

export const latencyText = (r: LoadReport, kind: string) => {
  const l = r.kinds[kind];
  return l ? `${kind} p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max} ms (${l.count})` : '';
};

/** The cores each program used, and its CPU per operation at `perSecond`. */
export const cpuText = (cpu: Map<string, number>, perSecond: number, per: string) =>
  `cores: ${[...cpu]
    .filter(([, c]) => c >= 0.02)
    .map(([name, c]) => `${name} ${c.toFixed(2)}`)
    .join(', ')}; CPU per ${per}: ${cpuPerOperation(cpu, perSecond)}`;

export const mismatchText = (r: LoadReport) => {
  const m = Object.entries(r.mismatches);
  return (
    (m.length
      ? `; unexpected answers: ${m.map(([k, v]) => `${k} ${v.count} (${v.example})`).join(', ')}`
      : '') + (r.errors || r.timeouts ? `; errors ${r.errors}, timeouts ${r.timeouts}` : '')
  );
};

// ---------------------------------------------------------------------------------------------------
// The benchmarks

/**
 * A step benchmark's reference: the express noop server (bench/noop-server.ts) under the same load as
 * the channel's step, its p99. `route` says what the noop answers, `load` how the requests come.
 */
export function noopReference(
  name: string,
  route: string,
  load: string,
  run: (target: Target, seconds: number) => Promise<LoadReport & { cpu: Map<string, number> }>,
): Benchmark {
  return {
    name,
    run: async () => {
      const seconds = ussdSeconds();
      const r = await withNoopServer((target) => run(target, seconds));
      checkLoad(name, r, ['noop']);
      const l = r.kinds.noop;
      return [
        {
          name,
          value: l.p99,
          unit: 'ms p99',
          serverCpu: cpuPerOperationOf(r.cpu, r.requestsPerSecond, 'noop'),
          note:
            `p50 ${l.p50} ms; express ${expressVersion()} ${route}, no middleware, served by createHttpServer (src/http/server.ts) as the gateway is, own process; ` +
            `autocannon own process, ${load}, ${r.requestsPerSecond} req/s in ${seconds} s; ` +
            `${cpuText(r.cpu, r.requestsPerSecond, 'request')}${mismatchText(r)}`,
        },
      ];
    },
  };
}

export const httpNoop = noopReference(
  'http.noop',
  'POST /ussd → text/plain END ok',
  `${STEP_CONNECTIONS} connections closed loop`,
  (target, seconds) =>
    runLoad(target, {
      scenario: 'noop',
      connections: STEP_CONNECTIONS,
      seconds,
      warmupSeconds: stepWarmup(),
    }),
);

export function expressVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/express/package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return '?';
  }
}

export const ussdStep: Benchmark = {
  name: 'ussd.step',
  around: ['http.noop'],
  run: async () => {
    const seconds = ussdSeconds();
    const r = await withGateway('ussd.step', (gateway) =>
      runLoad(gateway, {
        scenario: 'step',
        connections: STEP_CONNECTIONS,
        seconds,
        warmupSeconds: stepWarmup(),
        steps: STEPS_PER_SESSION,
      }),
    );
    checkLoad('ussd.step', r, ['step']);
    const l = r.kinds.step;
    return [
      {
        name: 'ussd.step',
        value: l.p99,
        unit: 'ms p99',
        referenceName: 'http.noop',
        aim: '<= 3.0',
        serverCpu: cpuPerOperationOf(r.cpu, r.requestsPerSecond, 'gateway'),
        note:
          `p50 ${l.p50} ms; gateway child process, ${STEP_CONNECTIONS} sessions at once (autocannon closed loop, ` +
          `one connection a session), each: dial, then 6/0 (account submenu, back; no command) ${STEPS_PER_SESSION} times ` +
          `on average (10–30 by user), exit; warm-up ${stepWarmup()} s; ` +
          `timed: the 6/0 steps, ${r.timedPerSecond}/s (all requests ${r.requestsPerSecond}/s in ${seconds} s); ` +
          `${['dial', 'exit']
            .map((k) => latencyText(r, k))
            .filter(Boolean)
            .join('; ')}; ` +
          `${cpuText(r.cpu, r.requestsPerSecond, 'request')}${mismatchText(r)}`,
      },
    ];
  },
};

/**
 * Think time of `ussd.payment`'s users, ms on average (each wait 0.5–1.5 times it): a person reads a
 * screen and types the next answer in seconds; one second is quicker than any real user.
 */
const PAYMENT_THINK_MS = 1_000;

export const ussdPayment: Benchmark = {
  name: 'ussd.payment',
  needs: ['ussd.step'],
  run: async (results: Results) => {
    const seconds = ussdSeconds();
    const spec = {
      scenario: 'payment' as const,
      connections: PAYMENT_CONNECTIONS,
      seconds,
      warmupSeconds: warmupSeconds(),
      merchant: MERCHANT,
      amount: AMOUNT,
      pin: PIN,
    };
    // The aim's run: 200 sessions open at once, paced by people's think time. Then, on the same gateway,
    // the saturated closed loop (no think time), kept beside it: it measures throughput, not a user's wait.
    // Each run on half of the wallets: the sessions the first leaves open when its window closes would
    // otherwise greet the second's dials with the offer to resume them.
    const half = WALLETS / 2;
    const [paced, saturated] = await withGateway('ussd.payment', async (gateway) => [
      await runLoad(gateway, { ...spec, thinkMs: PAYMENT_THINK_MS, wallets: half }),
      await runLoad(gateway, { ...spec, msisdnBase: MSISDN_BASE + half, wallets: half }),
    ]);
    const ref = results.get('ussd.step')?.value;
    const rows: Result[] = [];
    for (const [name, r] of [
      ['ussd.payment', paced],
      ['ussd.payment_saturated', saturated],
    ] as const) {
      checkLoad(name, r, ['pin']);
      const paid = r.outcomes.paid ?? 0;
      const pins = r.kinds.pin.count;
      if (paid < pins * (1 - MAX_ERROR_SHARE))
        throw new Error(`${name}: only ${paid} of ${pins} PINs paid: ${JSON.stringify(r.outcomes)}`);
      const l = r.kinds.pin;
      const aimed = name === 'ussd.payment';
      const load = aimed
        ? `${PAYMENT_CONNECTIONS} sessions open at once, each user waiting 0.5–1.5 s (mean ${PAYMENT_THINK_MS} ms) before each keystroke (node:http keep-alive loop, own process), ${r.requestsPerSecond} requests/s`
        : `informational: the same gateway saturated, ${PAYMENT_CONNECTIONS} connections closed loop with no think time (autocannon), where the wait is ${PAYMENT_CONNECTIONS} ÷ the rate (Little's law), ${r.requestsPerSecond} requests/s`;
      rows.push({
        name,
        value: l.p99,
        unit: 'ms p99',
        ...(aimed
          ? {
              referenceName: 'ussd.step',
              reference: ref,
              ratio: ref ? round(l.p99 / ref, 2) : undefined,
              aim: '<= 150 ms absolute',
            }
          : {}),
        note:
          (aimed ? `absolute p99 ${l.p99} ms against 150 ms: ${l.p99 <= 150 ? 'met' : 'MISSED'}; ` : '') +
          `p50 ${l.p50} ms; gateway child process; ${load}; each session: dial, 3, ${MERCHANT}, ${AMOUNT}, PIN ` +
          `(END with the result; production PIN verification); timed: the PIN, ${r.timedPerSecond} payments/s, ` +
          `${paid} paid in ${seconds} s; ` +
          `${['dial', 'menu', 'merchant', 'amount']
            .map((k) => latencyText(r, k))
            .filter(Boolean)
            .join('; ')}; ` +
          `${cpuText(r.cpu, r.timedPerSecond, 'payment (its 5 requests)')}${mismatchText(r)}`,
      });
    }
    return rows;
  },
};

/** VmRSS of a process, MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/** RSS once it is stable: within 1 MB over 5 s of readings every 500 ms (60 s at most: the last reading). */
async function settledRss(pid: number): Promise<{ mb: number; waited: number }> {
  const readings: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < 60_000) {
    readings.push(rssMb(pid));
    const last = readings.slice(-11);
    if (last.length === 11 && Math.max(...last) - Math.min(...last) < 1) break;
    await sleep(500);
  }
  return { mb: readings[readings.length - 1], waited: round((performance.now() - t0) / 1000, 1) };
}

async function redisUsedMb(): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN) / 2 ** 20;
  } finally {
    redis.disconnect();
  }
}

export const sessionsMemory: Benchmark = {
  name: 'sessions.memory',
  run: async () => {
    const row = await withGateway('sessions.memory', async (gateway) => {
      const pid = gateway.owned.child.pid!;
      // Warm-up: every path the open sessions take, in whole payments (each ends with END: none stays open).
      await runLoad(gateway, {
        scenario: 'payment',
        connections: 100,
        seconds: 0,
        warmupSeconds: 0,
        merchant: MERCHANT,
        amount: AMOUNT,
        pin: PIN,
        sessions: 500,
      });
      const idle = await settledRss(pid);
      const redisIdle = await redisUsedMb();
      const t0 = performance.now();
      const r = await runLoad(gateway, {
        scenario: 'open',
        connections: PAYMENT_CONNECTIONS,
        seconds: 0,
        warmupSeconds: 0,
        merchant: MERCHANT,
        amount: AMOUNT,
        sessions: OPEN_SESSIONS,
      });
      const opened = r.kinds.amount?.count ?? 0;
      const wrong = Object.values(r.mismatches).reduce((n, m) => n + m.count, 0) + r.errors + r.timeouts;
      if (opened < OPEN_SESSIONS || wrong)
        throw new Error(`sessions.memory: ${opened} sessions reached the PIN prompt${mismatchText(r)}`);
      const openSeconds = round((performance.now() - t0) / 1000, 1);
      const loaded = await settledRss(pid);
      const redisLoaded = await redisUsedMb();
      const growth = round(loaded.mb - idle.mb, 1);
      log(
        `sessions.memory: RSS idle ${round(idle.mb, 1)} MB, with ${OPEN_SESSIONS} sessions ${round(loaded.mb, 1)} MB`,
      );
      const result: Result = {
        name: 'sessions.memory',
        value: growth,
        unit: 'MB',
        referenceName: 'idle RSS',
        reference: round(idle.mb, 1),
        aim: 'growth <= 100 MB',
        note:
          `${growth <= 100 ? 'met' : 'MISSED'}; gateway VmRSS ${round(loaded.mb, 1)} MB with ${OPEN_SESSIONS} USSD sessions ` +
          `open at the PIN prompt (dial, 3, ${MERCHANT}, ${AMOUNT}; opened in ${openSeconds} s by ${PAYMENT_CONNECTIONS} ` +
          `connections) against ${round(idle.mb, 1)} MB idle after a warm-up (each read once stable: within 1 MB ` +
          `for 5 s; waited ${idle.waited} s and ${loaded.waited} s); USSD only (no SMS conversations); ` +
          `Redis used_memory +${round(redisLoaded - redisIdle, 1)} MB (whole server)`,
      };
      return result;
    });
    return [row];
  },
};
