/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME...]` runs those (plus the
 * references they are compared with, measured in the same run). Prints a table and writes
 * `bench/results.json`: `[{ name, value, unit, reference?, ratio? }]`. See spec/BENCH.md.
 *
 * References: a benchmark's `needs` run once before it; its `around` (the pgbench ledger ceilings) run
 * right before and right after it, and its ratio is against the mean of those two runs, because the
 * disk's commit rate swings by ±30 % within an hour. The reference's own row is the mean of its runs.
 *
 * Environment: `BENCH_SECONDS` (measured window of each ledger benchmark, default 20),
 * `BENCH_WARMUP_SECONDS` (default 2), `BENCH_PG_ADMIN_URL`, `BENCH_REDIS_URL`; for profiling:
 * `BENCH_REFERENCES=0` (skip references), `BENCH_CPU_PROF=DIR` (CPU profile of each measured run),
 * `BENCH_PROFILE=1` (Redis INFO commandstats and per-statement SQL times over the run),
 * `BENCH_WORKER_PROCESSES=N` (run the command workers in N child processes), `BENCH_RELAY=0` (experiment:
 * no outbox relay, flagged in the note); knobs: `COMMAND_PARTITIONS`,
 * `WORKER_CONCURRENCY`, `BATCH_MAX`, `BATCH_WAIT_MS`, `DB_POOL_MAX`, `BENCH_IN_FLIGHT`, `BENCH_CHUNK`.
 * SMS (`kannel.*`, `sms.*`): `BENCH_SMS_SECONDS` (measured window, default `BENCH_SECONDS`, else 10),
 * `BENCH_SMS_OPEN_LOOP=1` (throughput's 50 MOs are the deliver_sm window instead of MOs awaiting their MT;
 * both sides alike), `BENCH_KANNEL_SERVICE=get-url` (Kannel answers from a local HTTP server instead of
 * its `text =` service), `BENCH_KANNEL_WINDOW` (Kannel's `max-pending-submits`, default 50),
 * `BENCH_GATEWAY_LOG_LEVEL` (the gateway child's LOG_LEVEL, default warn), `BENCH_GATEWAY_ENTRY` (the
 * gateway's entry script, default `src/main/gateway.ts`). Kannel is installed with apt-get when missing.
 * USSD (`http.noop`, `ussd.*`, `sessions.memory`, bench/ussd.ts): `BENCH_USSD_SECONDS` (measured window,
 * default `BENCH_SECONDS`, else 10); the load is autocannon (a dev dependency) in its own process.
 * IVR (`http.noop_ivr`, `ivr.step`, bench/ivr.ts): the same `BENCH_USSD_SECONDS`; the load (bench/ivr-load.ts)
 * signs every call before its clock starts, the same pools against the gateway and the reference.
 * STK (`http.noop_stk`, `stk.step`, bench/stk.ts): the same `BENCH_USSD_SECONDS`; the load (bench/stk-load.ts)
 * builds each session's requests as its user starts it.
 * WAP (`http.noop_wap`, `wap.page`, bench/wap.ts): the same `BENCH_USSD_SECONDS`; 200 sessions log in through
 * the form before the clock (bench/wap-load.ts is the load).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ledgerCeiling, ledgerCeilingHot } from './ledger-ceiling.js';
import { ledgerHotMerchant, ledgerPayments, ledgerTransfers } from './ledger-transfers.js';
import { type Benchmark, log, type Result, round } from './lib.js';
import { httpNoopIvr, ivrStep } from './ivr.js';
import { pinVerify } from './pin-verify.js';
import { httpNoopStk, stkStep } from './stk.js';
import { kannelLatency, kannelThroughput, smsLatency, smsThroughput } from './sms.js';
import { httpNoop, sessionsMemory, ussdPayment, ussdStep } from './ussd.js';
import { httpNoopWap, wapPage } from './wap.js';

process.env.LOG_LEVEL ??= 'warn';
/** `BENCH_REFERENCES=0`: run only the named benchmarks, without their references (for profiling; no ratios). */
const withReferences = process.env.BENCH_REFERENCES !== '0';

const benchmarks: Benchmark[] = [
  pinVerify,
  ledgerCeiling,
  // Neighbours on one reference: the ceiling run between them is the after of one and the before of the next.
  ledgerTransfers,
  ledgerPayments,
  ledgerCeilingHot,
  ledgerHotMerchant,
  kannelThroughput,
  smsThroughput,
  kannelLatency,
  smsLatency,
  httpNoop,
  ussdStep,
  ussdPayment,
  sessionsMemory,
  httpNoopIvr,
  ivrStep,
  httpNoopStk,
  stkStep,
  httpNoopWap,
  wapPage,
];

/**
 * The steps of the run, in `benchmarks` order with each one's references: `needs` run once before,
 * `around` right before and right after (a run between two neighbours serves both). A reference that only
 * brackets others is not run on its own as well.
 */
function plan(requested: string[]): Benchmark[] {
  const byName = new Map(benchmarks.map((b) => [b.name, b]));
  const unknown = requested.filter((n) => !byName.has(n));
  if (unknown.length) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}\nknown: ${[...byName.keys()].join(', ')}\n`,
    );
    process.exit(2);
  }
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    if (withReferences) for (const n of byName.get(name)!.needs ?? []) add(n);
    wanted.add(name);
  };
  for (const n of requested.length ? requested : byName.keys()) add(n);
  const chosen = benchmarks.filter((b) => wanted.has(b.name));
  const around = (b: Benchmark) => (withReferences ? (b.around ?? []) : []);
  const bracketing = new Set(chosen.flatMap(around));
  const steps: Benchmark[] = [];
  for (const b of chosen) {
    if (bracketing.has(b.name)) continue;
    const refs = around(b);
    // The references run since the last other step: the previous benchmark's "after" is this one's "before".
    let i = steps.length;
    while (i > 0 && refs.includes(steps[i - 1].name)) i--;
    const tail = new Set(steps.slice(i).map((s) => s.name));
    for (const r of refs) if (!tail.has(r)) steps.push(byName.get(r)!);
    steps.push(b);
    for (const r of refs) steps.push(byName.get(r)!);
  }
  return steps;
}

/** The row of a reference run several times: the mean of its runs, each listed in the note. */
function merged(runs: Result[]): Result {
  if (runs.length === 1) return runs[0];
  const mean = runs.reduce((sum, r) => sum + r.value, 0) / runs.length;
  return {
    ...runs[0],
    value: round(mean, 0),
    note: `mean of ${runs.length} runs (${runs.map((r) => fmt(r.value)).join(', ')}); first: ${runs[0].note ?? ''}`,
  };
}

/** Sets the reference (mean of the run before and the run after) and the ratio of a bracketed result. */
function settle(row: Result, before: Result, after: Result | undefined): void {
  const reference = after ? (before.value + after.value) / 2 : before.value;
  row.reference = round(reference, 0);
  row.ratio = reference ? round(row.value / reference, 2) : undefined;
  const how = after
    ? `${row.referenceName} mean of before ${fmt(before.value)} and after ${fmt(after.value)}`
    : `${row.referenceName} before only (${fmt(before.value)}: the run after failed)`;
  row.note = row.note ? `${row.note}; ${how}` : how;
  // The servers' CPU per request side by side: in a closed loop the p99 ratio is this ratio times the
  // two tails', and the tails move from run to run far more than the CPU does.
  const cpus = [before, after].map((r) => r?.serverCpu).filter((c): c is number => c !== undefined);
  if (row.serverCpu !== undefined && cpus.length > 0) {
    const mean = cpus.reduce((a, b) => a + b, 0) / cpus.length;
    row.note += `; server CPU per request ${row.serverCpu.toFixed(3)} ms against ${mean.toFixed(3)} (${(row.serverCpu / mean).toFixed(2)}×)`;
  }
}

function fmt(n: number | undefined, digits = 2): string {
  if (n === undefined || Number.isNaN(n)) return '';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

function table(rows: Result[]): string {
  const head = ['name', 'value', 'unit', 'reference', 'ratio', 'aim', 'note'];
  const cells = rows.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    r.referenceName ? `${r.referenceName} ${fmt(r.reference)}` : '',
    fmt(r.ratio),
    r.aim ?? '',
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => (i === 6 ? 0 : Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 6 ? v : i === 1 || i === 4 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The step next to `index` (`dir` -1 before, +1 after) that runs `ref`, across the references of `steps[index]`. */
function neighbour(steps: Benchmark[], index: number, ref: string, dir: -1 | 1): number {
  const refs = steps[index].around ?? [];
  for (let k = index + dir; k >= 0 && k < steps.length && refs.includes(steps[k].name); k += dir)
    if (steps[k].name === ref) return k;
  return -1;
}

async function main(): Promise<void> {
  const steps = plan(process.argv.slice(2));
  const results = new Map<string, Result>();
  /** Per step, the row named after its benchmark (a bracketing reference runs several times). */
  const measured: (Result | undefined)[] = [];
  const bracketed: { row: Result; step: number }[] = [];
  const failures: string[] = [];
  const started = performance.now();
  for (const [index, b] of steps.entries()) {
    const refs = withReferences ? (b.around ?? []) : [];
    const missing = withReferences
      ? [
          ...(b.needs ?? []).filter((n) => !results.has(n)),
          ...refs.filter((r) => !measured[neighbour(steps, index, r, -1)]),
        ]
      : [];
    if (missing.length) {
      failures.push(`${b.name}: skipped, its reference ${missing.join(', ')} failed`);
      continue;
    }
    log(`running ${b.name}`);
    try {
      for (const r of await b.run(results)) {
        if (r.name === b.name) measured[index] = r;
        if (r.referenceName && refs.includes(r.referenceName)) bracketed.push({ row: r, step: index });
        const runs = steps.flatMap((s, i) => (s.name === r.name && measured[i] ? [measured[i]] : []));
        results.set(r.name, runs.length > 1 ? merged(runs) : r);
      }
    } catch (err) {
      const message = (err as Error).stack ?? String(err);
      log(`${b.name} FAILED: ${message}`);
      failures.push(`${b.name}: ${(err as Error).message}`);
    }
  }
  for (const { row, step } of bracketed) {
    const ref = row.referenceName!;
    settle(row, measured[neighbour(steps, step, ref, -1)]!, measured[neighbour(steps, step, ref, 1)]);
  }
  const rows = [...results.values()];
  process.stdout.write(`\n${table(rows)}\n`);
  process.stdout.write(
    `\n${rows.length} results in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  const json = rows.map((r) => ({
    name: r.name,
    value: r.value,
    unit: r.unit,
    ...(r.reference !== undefined ? { reference: r.reference } : {}),
    ...(r.ratio !== undefined ? { ratio: r.ratio } : {}),
  }));
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
  if (failures.length) {
    process.stdout.write(`\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
