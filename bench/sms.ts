/**
 * The SMS benchmarks (spec/BENCH.md): `sms.throughput` (MTs a second with 50 MOs outstanding) and
 * `sms.latency` (MO→MT p50/p99 with 10 conversations in a closed loop), each against its reference
 * measured in the same run, `kannel.throughput` and `kannel.latency` (bench/kannel.ts).
 *
 * Ours: the gateway runs as it does in production, a child process `node --import tsx
 * src/main/gateway.ts` bound to the load SMSC (bench/sms-load.ts) as an ESME, on a database and Redis
 * prefix of its own. The load's MSISDNs are wallets opened beforehand, in the shape `account.open` makes
 * them (`seedWallets`, as the ledger benchmarks do), and every MO is `YE`, a balance query run through the
 * command path. Every step waits with a deadline, so a gateway that does not bind or answer fails the
 * benchmark with its last output instead of hanging it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  coresDuring,
  failOnExit,
  freePort,
  kannelReference,
  kannelWindow,
  type MeasuredLoad,
  type OwnedChild,
  spawnOwned,
} from './kannel.js';
import { seedWallets } from './ledger-transfers.js';
import {
  type Benchmark,
  benchSeconds,
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
import {
  benchLoad,
  type LoadMode,
  type LoadResult,
  type LoadSmsc,
  msisdnOf,
  startLoadSmsc,
} from './sms-load.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `seedWallets` funds each wallet with, as the balance reply shows it (¥10,000.00). */
const SEEDED_BALANCE_YUAN = '10000';
/** At most this share of the MOs may fail (refused, no MT, stray MT) before the benchmark does. */
const MAX_ERROR_SHARE = 0.01;
const READY_TIMEOUT_MS = 90_000;
const BIND_TIMEOUT_MS = 30_000;
const PROBE_TIMEOUT_MS = 20_000;

/** The measured window of the SMS benchmarks: `BENCH_SMS_SECONDS`, else `BENCH_SECONDS`, else 10. */
function smsSeconds(): number {
  const raw = process.env.BENCH_SMS_SECONDS;
  if (raw === undefined || raw === '') return benchSeconds(10);
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`BENCH_SMS_SECONDS must be a positive number (got ${raw})`);
  return n;
}

/** Polls `/readyz` until it answers 200; rejects with its last answer after `timeoutMs`. */
async function waitForReady(port: number, timeoutMs: number, load: LoadSmsc): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3_000) });
      if (res.status === 200) return;
      last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  const bound = await load.waitForBind(1).then(
    () => 'it is bound',
    () => 'it has not bound to the load SMSC either',
  );
  throw new Error(
    `the gateway's /readyz did not answer 200 within ${timeoutMs / 1000} s (last: ${last}); ${bound}`,
  );
}

function startGateway(
  load: LoadSmsc,
  o: { databaseUrl: string; prefix: string; port: number; dir: string; mode: LoadMode },
): OwnedChild {
  const profileDir = process.env.BENCH_CPU_PROF;
  const args = [
    ...(profileDir
      ? // Node's default names carry the thread id: tsx's loader thread would overwrite a fixed name.
        ['--cpu-prof', `--cpu-prof-dir=${profileDir}/gateway-sms.${o.mode}`]
      : []),
    ...gatewayNodeFlags(),
    '--import',
    'tsx',
    process.env.BENCH_GATEWAY_ENTRY || 'src/main/gateway.ts',
  ];
  return spawnOwned('gateway', process.execPath, args, {
    cwd: ROOT,
    logFile: join(o.dir, 'gateway.log'),
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: o.prefix,
      SMPP_URL: load.url,
      // As in production: no phone simulator routes.
      NODE_ENV: 'production',
      PORT: String(o.port),
      OPS_TOKEN: randomBytes(18).toString('base64url'),
      // A key of the run's own: without it the gateway would write one into the working tree's DATA_DIR.
      PIN_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: process.env.BENCH_GATEWAY_LOG_LEVEL || 'warn',
      // The benchmark measures the gateway, not the operator's rate limit (100/s by default).
      SMPP_TPS: '100000',
      // Each of the load's numbers sends dozens of MOs a minute: past SMS_MO_PER_MINUTE (20 by default)
      // they would get no answer, and the load would wait for MTs that never come.
      SMS_MO_PER_MINUTE: '1000000',
      // The same window Kannel gets (`max-pending-submits`, bench/kannel.ts).
      SMPP_WINDOW: String(kannelWindow()),
    },
  });
}

/**
 * Our side of an SMS benchmark: a fresh database with the load's wallets and a Redis prefix, the gateway
 * started against `load`, one probe MO to check the path, then the load in `mode`; the gateway is stopped
 * (SIGTERM, SIGKILL after 10 s) whatever happens.
 */
export async function runGatewaySms(load: LoadSmsc, mode: LoadMode): Promise<MeasuredLoad> {
  const seconds = smsSeconds();
  const shape = benchLoad(mode, seconds, warmupSeconds());
  return withDatabase({ migrate: true }, (databaseUrl) =>
    withRedisPrefix(async (prefix) => {
      const t0 = performance.now();
      await seedWallets(databaseUrl);
      log(`sms.${mode}: wallets seeded in ${round((performance.now() - t0) / 1000, 1)} s`);
      const dir = mkdtempSync(join(tmpdir(), 'bench-sms-'));
      const port = await freePort();
      const gateway = startGateway(load, { databaseUrl, prefix, port, dir, mode });
      const died = failOnExit(gateway);
      died.catch(() => undefined); // raced below; after the run its exit is expected
      let failed = true;
      try {
        await Promise.race([waitForReady(port, READY_TIMEOUT_MS, load), died]);
        await Promise.race([
          load.waitForBind(BIND_TIMEOUT_MS).catch((err: Error) => {
            throw new Error(`${err.message}: the gateway is up but its SMPP link did not bind to SMPP_URL`);
          }),
          died,
        ]);
        const probe = await Promise.race([load.probe(msisdnOf(0), shape.text, PROBE_TIMEOUT_MS), died]);
        log(
          `sms.${mode}: gateway bound; first MO answered in ${round(probe.latencyMs, 1)} ms: ${JSON.stringify(probe.reply)}`,
        );
        if (!probe.reply.replace(/[,\s]/g, '').includes(SEEDED_BALANCE_YUAN))
          throw new Error(
            `the reply to "${shape.text}" from a seeded wallet does not show its balance ¥10,000.00: ${JSON.stringify(probe.reply)}`,
          );
        log(
          `sms.${mode}: ${shape.warmupSeconds}+${seconds} s, ${shape.outstanding} MOs outstanding` +
            (shape.openLoop ? ' (open loop: deliver_sm window)' : ''),
        );
        const { result, cores } = await coresDuring({ [gateway.child.pid ?? -1]: 'gateway' }, () =>
          Promise.race([load.run(shape), died]),
        );
        log(`sms.${mode}: ${JSON.stringify(result)}; machine cores: ${cores}`);
        failed = false;
        return { ...result, mode, cores };
      } catch (err) {
        throw new Error(`${(err as Error).message} (gateway log: ${join(dir, 'gateway.log')})`);
      } finally {
        await gateway.stop(10_000);
        if (failed) log(`sms.${mode}: the gateway's last output:\n${gateway.tail() || '(nothing)'}`);
        else rmSync(dir, { recursive: true, force: true });
      }
    }),
  );
}

/** Fails the benchmark when the run did not really measure anything. */
function checkRun(name: string, r: LoadResult): void {
  if (!r.mtReceived)
    throw new Error(`${name}: no MT came back in the measured window (${r.moSent} MOs sent)`);
  if (r.errors > r.moSent * MAX_ERROR_SHARE)
    throw new Error(
      `${name}: ${r.errors} errors for ${r.moSent} MOs (refused, no MT, or MTs to nobody waiting)`,
    );
}

/** Starts a load SMSC, runs `work` against it, closes it. */
async function withLoadSmsc<T>(work: (load: LoadSmsc) => Promise<T>): Promise<T> {
  const load = await startLoadSmsc();
  try {
    return await work(load);
  } finally {
    await load.close();
  }
}

const loopText = (mode: LoadMode) => {
  const shape = benchLoad(mode, 1, 0);
  if (mode === 'latency') return `${shape.outstanding} conversations, closed loop`;
  return shape.openLoop
    ? `${shape.outstanding} deliver_sm unanswered at most (open loop)`
    : `${shape.outstanding} MOs outstanding until their MT`;
};

/**
 * CPU time per MT, ms, of each program the run's cores name (`gateway 0.97, postgres 0.34, …`) and of all
 * of them: what a message costs, whatever the loop shape.
 */
function cpuPerMt(r: MeasuredLoad): string {
  if (!r.mtPerSecond) return '';
  const used = [...r.cores.matchAll(/([\w.-]+) ([\d.]+)/g)].map(([, name, cores]) => ({
    name,
    cores: Number(cores),
  }));
  const ms = (cores: number) => round((cores / r.mtPerSecond) * 1000, 2);
  const all = used.reduce((sum, u) => sum + u.cores, 0);
  const own = used.filter((u) => u.name !== 'load-smsc' && u.name !== 'other');
  return `; CPU per MT: ${own.map((u) => `${u.name} ${ms(u.cores)} ms`).join(', ')}; all ${ms(all)} ms`;
}

/** The rest of a note: latency (for throughput rows), counts, errors, cores used. */
const summary = (r: MeasuredLoad, seconds: number) =>
  (r.mode === 'throughput' ? `MO→MT p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms; ` : '') +
  `${r.mtReceived} MTs in ${seconds} s` +
  (r.errors ? `; ${r.errors} errors` : '') +
  `; cores: ${r.cores}${cpuPerMt(r)}`;

async function measureKannel(mode: LoadMode): Promise<Result> {
  const seconds = smsSeconds();
  const ref = await kannelReference({ seconds, warmupSeconds: warmupSeconds(), modes: [mode] });
  const r = ref[mode]!;
  checkRun(`kannel.${mode}`, r);
  if (mode === 'throughput')
    return {
      name: 'kannel.throughput',
      value: round(r.mtPerSecond, 0),
      unit: 'MT/s',
      note: `${ref.describe}; ${loopText(mode)}; ${summary(r, seconds)}`,
    };
  return {
    name: 'kannel.latency',
    value: r.latencyMs.p50,
    unit: 'ms p50',
    note: `p99 ${r.latencyMs.p99} ms; ${ref.describe}; ${loopText(mode)}; ${summary(r, seconds)}`,
  };
}

const ours = 'gateway child process, MO YE = balance query through the command path';

async function measureGateway(mode: LoadMode, results: Results): Promise<Result> {
  const seconds = smsSeconds();
  const r = await withLoadSmsc((load) => runGatewaySms(load, mode));
  checkRun(`sms.${mode}`, r);
  if (mode === 'throughput') {
    const ref = results.get('kannel.throughput')?.value;
    return {
      name: 'sms.throughput',
      value: round(r.mtPerSecond, 0),
      unit: 'MT/s',
      referenceName: 'kannel.throughput',
      reference: ref,
      ratio: ref ? round(r.mtPerSecond / ref, 2) : undefined,
      aim: '>= 1.0',
      note: `${ours}; ${loopText(mode)}; ${summary(r, seconds)}`,
    };
  }
  const ref = results.get('kannel.latency');
  const met = r.latencyMs.p50 <= 5 && r.latencyMs.p99 <= 20;
  return {
    name: 'sms.latency',
    value: r.latencyMs.p50,
    unit: 'ms p50',
    referenceName: 'kannel.latency',
    reference: ref?.value,
    ratio: ref?.value ? round(r.latencyMs.p50 / ref.value, 2) : undefined,
    aim: 'p50 <= 5 ms, p99 <= 20 ms',
    note:
      `p99 ${r.latencyMs.p99} ms (aim ${met ? 'met' : 'MISSED'}); ${ours}; ${loopText(mode)}; ` +
      `${summary(r, seconds)}`,
  };
}

export const kannelThroughput: Benchmark = {
  name: 'kannel.throughput',
  run: async () => [await measureKannel('throughput')],
};

export const kannelLatency: Benchmark = {
  name: 'kannel.latency',
  run: async () => [await measureKannel('latency')],
};

export const smsThroughput: Benchmark = {
  name: 'sms.throughput',
  needs: ['kannel.throughput'],
  run: async (results) => [await measureGateway('throughput', results)],
};

export const smsLatency: Benchmark = {
  name: 'sms.latency',
  needs: ['kannel.latency'],
  run: async (results) => [await measureGateway('latency', results)],
};
