/**
 * What the wall screen shows, read afresh for each push: the last 30 minutes per minute (MO and MT SMS,
 * payments by outcome, refusals by reason) from PostgreSQL, each queue's depth from Redis, the SMPP
 * binds from the app's own `fen_smpp_bound` gauge, the sessions open per channel (session records in
 * Redis, `<prefix>:session:<channel>:<id>`, counted by SCAN, at most `SESSION_SCAN_ROUNDS` rounds a
 * snapshot so a huge keyspace costs Redis a bounded amount; past that the counts are marked as at
 * least), and the ledger check. Counts only: no number, no name, nothing about anyone.
 */
import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import { checkLedger, wallMinutes } from '../../ledger/index.js';
import type { Db, Redis } from '../../lib/index.js';

export const WALL_MINUTES = 30;
const SESSION_SCAN_ROUNDS = 50;
const CHANNELS = ['ussd', 'ivr', 'stk', 'wap', 'sms'] as const;
/** The series drawn per minute, in the order the charts take them. */
export const SERIES = ['sms.mo', 'sms.mt', 'payment.paid', 'payment.declined', 'payment.expired'] as const;

export interface WallSnapshot {
  at: number;
  /** The minutes of the window, epoch seconds, oldest first. */
  minutes: number[];
  /** Per series, the count in each minute of `minutes`. */
  series: Record<(typeof SERIES)[number], number[]>;
  /** Refused commands in the window, by refusal code. */
  refusals: Record<string, number>;
  /** Per queue: jobs by state, and the median time from enqueue to finish of its last jobs (ms, or null). */
  queues: {
    name: string;
    waiting: number;
    active: number;
    delayed: number;
    failed: number;
    latencyMs: number | null;
  }[];
  binds: { bind: string; up: boolean }[];
  /** Sessions open now per channel; `sessionsCapped`: the scan stopped early, these are lower bounds. */
  sessions: Record<(typeof CHANNELS)[number], number>;
  sessionsCapped: boolean;
  ledger: { balanced: boolean; transfers: number };
}

export interface WallSources {
  db: Db;
  redis: Redis;
  /** The Redis key prefix (`REDIS_PREFIX`). */
  prefix: string;
  queues: () => readonly Queue[];
  registry: Registry;
}

export async function wallSnapshot(sources: WallSources, now = new Date()): Promise<WallSnapshot> {
  const last = Math.floor(now.getTime() / 60_000) * 60;
  const minutes = Array.from({ length: WALL_MINUTES }, (_, i) => last - (WALL_MINUTES - 1 - i) * 60);
  const since = new Date(minutes[0] * 1000);
  const [counts, queues, binds, ledger, sessions] = await Promise.all([
    wallMinutes(sources.db, since),
    Promise.all(
      sources.queues().map(async (q) => {
        const [c, latencyMs] = await Promise.all([
          q.getJobCounts('waiting', 'active', 'delayed', 'failed'),
          medianLatency(q),
        ]);
        return {
          name: q.name,
          waiting: c.waiting,
          active: c.active,
          delayed: c.delayed,
          failed: c.failed,
          latencyMs,
        };
      }),
    ),
    smppBinds(sources.registry),
    checkLedger(sources.db),
    openSessions(sources.redis, sources.prefix),
  ]);
  const series = Object.fromEntries(SERIES.map((s) => [s, minutes.map(() => 0)])) as WallSnapshot['series'];
  const refusals: Record<string, number> = {};
  for (const c of counts) {
    const slot = minutes.indexOf(Math.floor(new Date(c.minute).getTime() / 1000));
    if (c.series.startsWith('refused.')) {
      const code = c.series.slice('refused.'.length);
      refusals[code] = (refusals[code] ?? 0) + c.count;
    } else if (slot >= 0 && c.series in series) {
      series[c.series as keyof WallSnapshot['series']][slot] += c.count;
    }
  }
  return {
    at: now.getTime(),
    minutes,
    series,
    refusals,
    queues,
    binds,
    sessions: sessions.counts,
    sessionsCapped: sessions.capped,
    ledger: { balanced: ledger.balanced, transfers: ledger.transfers },
  };
}

/** How many of a queue's last completed jobs the latency is the median of. */
const LATENCY_JOBS = 20;

/** The median enqueue-to-finish time of the queue's last completed jobs, ms; null when none. */
async function medianLatency(queue: Queue): Promise<number | null> {
  const jobs = await queue.getJobs(['completed'], 0, LATENCY_JOBS - 1);
  const times = jobs
    .filter((j) => j?.finishedOn !== undefined)
    .map((j) => (j.finishedOn ?? 0) - j.timestamp)
    .sort((a, b) => a - b);
  return times.length ? times[Math.floor(times.length / 2)] : null;
}

/** The SMPP binds the app's registry knows (none when the SMS channel is not part of this process). */
async function smppBinds(registry: Registry): Promise<WallSnapshot['binds']> {
  const gauge = registry.getSingleMetric('fen_smpp_bound');
  if (!gauge) return [];
  const { values } = await gauge.get();
  return values.map((v) => ({ bind: String(v.labels.bind ?? ''), up: v.value === 1 }));
}

/** Session records per channel (not their `:lock` and `:done` companions). */
async function openSessions(redis: Redis, prefix: string) {
  const counts = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as WallSnapshot['sessions'];
  const head = `${prefix}:session:`;
  let cursor = '0';
  let rounds = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if (key.endsWith(':lock') || key.endsWith(':done')) continue;
      const channel = key.slice(head.length).split(':')[0];
      if (channel in counts) counts[channel as keyof typeof counts] += 1;
    }
    rounds += 1;
  } while (cursor !== '0' && rounds < SESSION_SCAN_ROUNDS);
  return { counts, capped: cursor !== '0' };
}
