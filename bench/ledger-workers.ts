/**
 * Where the ledger benchmarks' command workers run: in the producer's process (`createContext` with
 * `workers: true`), or in N child processes of their own (`BENCH_WORKER_PROCESSES=N`), each a full
 * worker context (`createContext` with `workers: true`: every partition's BullMQ worker, the runner,
 * the outbox relay). Either way the producer learns of each command's result as the worker's BullMQ
 * `completed` event (fired once the result is stored in Redis), with the time since the job was added.
 *
 * This file is also the child's entry point (`--bench-worker`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Job } from 'bullmq';
import type { CommandResult } from '../src/commands/catalog.js';
import { type Config, loadConfig } from '../src/config/index.js';
import { type Context, createContext } from '../src/main/context.js';

/** One command's result as the producer sees it. */
export interface Done {
  ok: boolean;
  code?: string;
  /** From the job's enqueue (BullMQ `job.timestamp`) to its result stored. */
  latencyMs: number;
  /** Epoch ms of the result. */
  at: number;
}

export interface WorkerSide {
  processes: number;
  /** The worker processes' pids (none when the workers run in this process), to tell their CPU apart. */
  pids: number[];
  /** Remembers how many batches ran so far (call at the window's start and at its end). */
  mark(): void;
  /** The sizes of the batches between the two marks, over every worker process. */
  batchSizes(): Promise<number[]>;
  failedAttempts(): number;
  /** An error if a worker process died. */
  error(): Error | null;
  close(): Promise<void>;
}

/** Calls `emit` for every result of `ctx`'s workers; returns the detach function. */
function listen(ctx: Context, emit: (d: Done) => void, onFailed: () => void): () => void {
  const completed = (job: Job, value: CommandResult | CommandResult[]) => {
    const at = Date.now();
    // An envelope (several commands in one job) completes with all their results.
    for (const result of Array.isArray(value) ? value : [value]) {
      emit({
        ok: result?.ok === true,
        code: result?.ok ? undefined : (result?.error?.code ?? 'unknown'),
        latencyMs: at - job.timestamp,
        at,
      });
    }
  };
  for (const w of ctx.workers) {
    w.on('completed', completed);
    w.on('failed', onFailed);
  }
  return () => {
    for (const w of ctx.workers) {
      w.off('completed', completed);
      w.off('failed', onFailed);
    }
  };
}

/** The workers of `ctx` itself (created with `workers: true`). */
export function inProcessWorkers(ctx: Context, sink: (d: Done) => void): WorkerSide {
  let failed = 0;
  const detach = listen(ctx, sink, () => failed++);
  const marks: number[] = [];
  return {
    processes: 0,
    pids: [],
    mark: () => marks.push(ctx.runner.batchSizes.length),
    batchSizes: async () => ctx.runner.batchSizes.slice(marks[0] ?? 0, marks[1]),
    failedAttempts: () => failed,
    error: () => null,
    close: async () => detach(),
  };
}

type ToChild = { t: 'mark' } | { t: 'close' };
type FromChild =
  | { t: 'ready' }
  | { t: 'done'; items: [number, number, number, string | null][] }
  | { t: 'failed'; n: number }
  | { t: 'closed'; sizes: number[] }
  | { t: 'error'; message: string };

/** N worker processes on `config`; resolves once all are ready. */
export async function workerProcesses(
  n: number,
  config: Partial<Config>,
  sink: (d: Done) => void,
): Promise<WorkerSide> {
  const entry = fileURLToPath(import.meta.url);
  let failed = 0;
  let dead: Error | null = null;
  let closing = false;
  const children: ChildProcess[] = [];
  const closed = new Map<ChildProcess, Promise<number[]>>();
  const ready = Array.from({ length: n }, () => {
    const child = fork(entry, ['--bench-worker'], {
      env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
      // BENCH_CPU_PROF=DIR: a CPU profile of each worker process too (its whole life), written at exit.
      execArgv: process.env.BENCH_CPU_PROF
        ? [...process.execArgv, '--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
        : process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    let resolveClosed: (sizes: number[]) => void = () => undefined;
    closed.set(child, new Promise((resolve) => (resolveClosed = resolve)));
    return new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromChild) => {
        if (m.t === 'ready') resolve();
        else if (m.t === 'done')
          for (const [ok, latencyMs, at, code] of m.items)
            sink({ ok: ok === 1, latencyMs, at, code: code ?? undefined });
        else if (m.t === 'failed') failed += m.n;
        else if (m.t === 'closed') resolveClosed(m.sizes);
        else if (m.t === 'error') dead = new Error(`worker process ${child.pid}: ${m.message}`);
      });
      child.on('exit', (code) => {
        resolveClosed([]);
        if (!closing) {
          dead ??= new Error(`worker process ${child.pid} exited with ${code}`);
          reject(dead);
        }
      });
    });
  });
  await Promise.all(ready);
  const send = (m: ToChild) => {
    for (const c of children) if (c.connected) c.send(m);
  };
  let sizes: number[] | null = null;
  const shutDown = async () => {
    if (sizes) return sizes;
    closing = true;
    send({ t: 'close' });
    const timeout = new Promise<number[]>((resolve) => setTimeout(() => resolve([]), 30_000));
    const all = await Promise.all(children.map((c) => Promise.race([closed.get(c)!, timeout])));
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
          }),
      ),
    );
    sizes = all.flat();
    return sizes;
  };
  return {
    processes: n,
    pids: children.flatMap((c) => (c.pid ? [c.pid] : [])),
    mark: () => send({ t: 'mark' }),
    batchSizes: shutDown,
    failedAttempts: () => failed,
    error: () => dead,
    close: async () => {
      await shutDown();
    },
  };
}

/** The child: a worker context reporting results to its parent in batches every 50 ms. */
async function child(): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  try {
    const config = loadConfig({}, JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}'));
    const ctx = await createContext(config, { workers: true, sweepEveryMs: 3_600_000 });
    if (process.env.BENCH_RELAY === '0') await ctx.relay.stop();
    let items: [number, number, number, string | null][] = [];
    let failed = 0;
    const detach = listen(
      ctx,
      (d) => items.push([d.ok ? 1 : 0, d.latencyMs, d.at, d.code ?? null]),
      () => failed++,
    );
    const flush = () => {
      if (items.length) send({ t: 'done', items });
      items = [];
      if (failed) send({ t: 'failed', n: failed });
      failed = 0;
    };
    const timer = setInterval(flush, 50);
    const marks: number[] = [];
    process.on('message', async (m: ToChild) => {
      if (m.t === 'mark') marks.push(ctx.runner.batchSizes.length);
      if (m.t === 'close') {
        clearInterval(timer);
        flush();
        detach();
        const sizes = ctx.runner.batchSizes.slice(marks[0] ?? 0, marks[1]);
        await ctx.close();
        send({ t: 'closed', sizes });
        process.disconnect();
        process.exit(0);
      }
    });
    process.on('disconnect', () => process.exit(1)); // the parent is gone
    send({ t: 'ready' });
  } catch (err) {
    send({ t: 'error', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
}

if (process.argv.includes('--bench-worker') && process.send) void child();
