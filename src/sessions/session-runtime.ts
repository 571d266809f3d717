/**
 * The one session runtime every channel steps its sessions on (HOUSE: "The channel seam"). One step:
 * take the session's lock, read its record, run the channel's step on it, save what the step keeps (or
 * drop the record when the session is over), release the lock: two Redis round trips (LOCK_AND_READ,
 * SAVE_AND_RELEASE) around the work.
 *
 * What makes a retried request safe:
 * - A request the channel names (`request`, e.g. the USSD `text` path) that equals the last one answered
 *   gets that answer again and runs nothing: the record keeps the last request and its answer, and a
 *   session that ended keeps them a while under a `:done` key.
 * - Command keys derive from (channel, session, step): the channel's stable id of the step when it has
 *   one (an MO's id), else the session's step counter under a nonce drawn when the session began. A step
 *   that ran its command and died before saving runs again under the same keys, and the command replays
 *   its stored result instead of running twice.
 *
 * Records are sealed under PIN_KEY: one taken mid-journey may hold what the user typed.
 *
 * Redis holds the truth; the process keeps a bounded cache beside it, because opening a record and
 * rebuilding the flow's actor from it was most of a step's CPU. Each entry is the sealed value this
 * process last saved for a session, the record it sealed, and what the channel left live after that step
 * (the running actor). A step uses the entry only when Redis still holds that very sealed value, which
 * Redis checks itself: the lock's script is given the end of the cached value (its GCM tag, which no other
 * seal shares) and its length, and answers "still that one" instead of sending the record (1.5-3 KB)
 * back. A step run meanwhile by another process, an expired session or a record written by anyone else
 * gets the record and falls back to opening it. An entry is taken out before the step runs and put back
 * only once the step's save succeeded: a step that failed leaves nothing live behind.
 *
 * Every step is reported to the metrics hooks (`SessionMetrics`): how it ended and how long it took,
 * and the sessions it began and ended.
 */
import { randomUUID } from 'node:crypto';
import { type AnyActorRef, type AnyStateMachine, createActor, fromPromise } from 'xstate';
import type { CommandRequest, RunCommandLogic } from '../../flows/index.js';
import type { Command, CommandResult } from '../commands/index.js';
import { AppError, type Keyring, type Redis } from '../lib/index.js';
import type { CommandBus } from '../queue/index.js';
import {
  noSessionMetrics,
  type SessionEnd,
  type SessionMetrics,
  type StepResult,
} from './session-metrics.js';
import { openSnapshot, type SessionChannel, sessionKey, sessionTtlSeconds } from './session-store.js';

export interface SessionRuntimeOptions {
  redis: Redis;
  /** Seals records at rest. */
  keys: Keyring;
  /** The Redis key prefix (the config's `redisPrefix`). */
  prefix: string;
  bus: Pick<CommandBus, 'execute'>;
  /** How long a step waits for one command before the user is told the result comes by SMS. */
  commandTimeoutMs: number;
  /** Seconds a session lives after its last step, per channel. Default: `sessionTtlSeconds`. */
  ttlSeconds?: Partial<Record<SessionChannel, number>>;
  /** Sessions whose last record (and live state) this process keeps beside Redis. Default 500; 0: none. */
  cacheSessions?: number;
  /** Where steps, sessions and flow screens are reported. Default: nowhere. */
  metrics?: SessionMetrics;
}

/** The sessions a process keeps in its cache by default: a few hundred steps at once, bounded memory. */
const DEFAULT_CACHE_SESSIONS = 500;

/** What a session keeps between steps, as stored (sealed JSON). */
interface SessionRecord {
  /** The channel's state: a flow snapshot and whatever its front end keeps beside it. */
  state: unknown;
  /** Steps answered so far. */
  step: number;
  /** Drawn when the session began: command keys of one session id never meet another's. */
  nonce: string;
  /** The last request answered, and its answer. */
  last?: { request: string; answer: unknown };
}

/** What a channel keeps live in this process beside a saved state (the flow's running actor). */
export interface LiveState {
  /** Called when the runtime lets it go: evicted, replaced, or its session ended or failed. */
  dispose(): void;
}

/**
 * What one step hands back: the answer, and the state to keep (null: the session is over), or that the
 * step changed nothing (`unchanged`: nothing is written, and what `scope.live` held stays as it was; the
 * step must not have touched it).
 */
export type StepOutcome<A> =
  | {
      answer: A;
      keep: unknown | null;
      /** How the session ended, when `keep` is null. Default `final`. */
      end?: SessionEnd;
      /** What the next step of this session may pick up in this process instead of rebuilding it from `keep`. */
      live?: LiveState;
    }
  | { answer: A; unchanged: true };

/** The step being run: its saved state, and how its actors get command keys of this step. */
export interface StepScope {
  /** The state the last step kept; null for a new session. */
  readonly saved: unknown | null;
  /**
   * What the last step of this session left live, when it ran in this process and nothing has stepped the
   * session since: it stands for `saved`. The step owns it now (dispose it, or hand it back as `live`).
   */
  readonly live: LiveState | null;
  /** The last request this session answered (a USSD `text` path: what is new in this one follows it). */
  readonly lastRequest: string | undefined;
  /**
   * The step waited for another step of the same session to finish first: a request equal to the one
   * that step answered is its retry, sent while it ran.
   */
  readonly waited: boolean;
  /** The base of this step's command keys: `<channel>:<session>:<step>`. */
  readonly keyBase: string;
  /**
   * An actor of `machine` whose `runCommand` calls get this step's keys (`keyBase:0`, `:1`, … in the
   * order it asks). The machine must be bound to the runtime's `runCommand`. Started, errors kept in
   * its snapshot rather than thrown globally.
   */
  actor(machine: AnyStateMachine, options: { snapshot?: unknown; input?: unknown }): AnyActorRef;
  /** Gives a running actor (one left live by the last step) this step's command keys, as `actor` does. */
  adopt(actor: AnyActorRef): void;
}

export interface StepCall<A> {
  channel: SessionChannel;
  sessionId: string;
  /** Names this request among its retries: the same one again gets the last answer, nothing runs. */
  request?: string;
  /** A stable id of this step (an MO's id). Default: the session's step counter. */
  stepId?: string;
  /** Seconds the kept state lives. Default: the channel's. */
  ttlSeconds?: number;
  /** The id of the request this step answers (an HTTP request's, an MO's): its commands' jobs carry it. */
  requestId?: string;
  /** How long each command of this step waits before answering that its result comes by SMS. Default: the runtime's. */
  commandTimeoutMs?: number;
  run(scope: StepScope): Promise<StepOutcome<A>>;
}

export interface SessionRuntime {
  step<A>(call: StepCall<A>): Promise<A>;
  /** Bind flows' `runCommand` actor to this: it runs commands on the bus under the step's keys. */
  readonly runCommand: RunCommandLogic;
  /** The saved state of a session, read without its lock (null when there is none). */
  peek(channel: SessionChannel, sessionId: string): Promise<unknown | null>;
  /** Takes a session's saved state away (a dropped USSD session resumed in a new dial); null when none. */
  take(channel: SessionChannel, sessionId: string): Promise<unknown | null>;
  /** Seconds a kept state lives on `channel`. */
  ttlOf(channel: SessionChannel): number;
  /** Where the runtime reports, for the front ends on it to report their flows' screens too. */
  readonly metrics: SessionMetrics;
}

/**
 * Takes the lock (KEYS[1]) and, when it is got, reads the record (KEYS[2]) and the ended one (KEYS[3]).
 * A record that ends in ARGV[3] and is ARGV[4] long (the one this process cached) is not sent back: the
 * fourth element, 1, says it is still there.
 */
const LOCK_AND_READ = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  local record = redis.call('get', KEYS[2])
  if record and ARGV[3] ~= '' and #record == tonumber(ARGV[4]) and string.sub(record, -#ARGV[3]) == ARGV[3] then
    return {1, false, redis.call('get', KEYS[3]), 1}
  end
  return {1, record, redis.call('get', KEYS[3]), 0}
end
return {0}`;
/**
 * How much of a cached seal's end the lock's script compares: more than the base64url of its 16-byte GCM
 * tag (`keyring.seal` puts it last), which authenticates the whole value under the key; a value with the
 * same tag is that value.
 */
const SEAL_TAIL = 24;
/**
 * Saves (ARGV[2] 'set': ARGV[3] for ARGV[4] s) or drops ('del') the record, keeps the ended session's
 * last answer (ARGV[5], for ARGV[6] s) when given, then releases the lock held by token ARGV[1].
 */
const SAVE_AND_RELEASE = `if ARGV[2] == 'set' then redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[4])
elseif ARGV[2] == 'del' then redis.call('del', KEYS[2]) end
if ARGV[5] ~= '' then redis.call('set', KEYS[3], ARGV[5], 'EX', ARGV[6]) end
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

interface RuntimeScripts {
  sessionLockAndRead(...keysThenArgs: (string | number)[]): Promise<unknown>;
  sessionSaveAndRelease(...keysThenArgs: (string | number)[]): Promise<unknown>;
}

/** Another step of the session held its lock past the wait: try again later (HTTP 503). */
export const sessionBusy = (channel: SessionChannel, sessionId: string) =>
  new AppError('session_busy', `session ${channel}:${sessionId} is busy`, 503);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const sessionLockKey = (prefix: string, channel: SessionChannel, sessionId: string) =>
  `${sessionKey(prefix, channel, sessionId)}:lock`;
const doneKey = (prefix: string, channel: SessionChannel, sessionId: string) =>
  `${sessionKey(prefix, channel, sessionId)}:done`;

export function createSessionRuntime(options: SessionRuntimeOptions): SessionRuntime {
  const { redis, keys, prefix, bus } = options;
  const metrics = options.metrics ?? noSessionMetrics;
  const ttl = { ...sessionTtlSeconds, ...options.ttlSeconds };
  // Sent by digest (EVALSHA), not compiled again on every step.
  redis.defineCommand('sessionLockAndRead', { numberOfKeys: 3, lua: LOCK_AND_READ });
  redis.defineCommand('sessionSaveAndRelease', { numberOfKeys: 3, lua: SAVE_AND_RELEASE });
  const scripts = redis as Redis & RuntimeScripts;
  // Each step's actor system carries its key base and deadline to `runCommand`, so machines are bound once.
  const scopes = new WeakMap<object, { keyBase: string; n: number; timeoutMs: number; requestId?: string }>();
  const runCommand: RunCommandLogic = fromPromise<CommandResult, CommandRequest>(({ input, system }) => {
    const scope = scopes.get(system);
    const key = scope ? `${scope.keyBase}:${scope.n++}` : randomUUID();
    const timeoutMs = scope?.timeoutMs ?? options.commandTimeoutMs;
    // The id of the request that asked goes with the job, so the worker's lines carry it too.
    return bus.execute({ key, ...input } as Command, timeoutMs, {
      smsIfLate: true,
      requestId: scope?.requestId,
    });
  });

  const cache = createRecordCache(options.cacheSessions ?? DEFAULT_CACHE_SESSIONS);

  const open = (stored: string | null | undefined): unknown => {
    const json = openSnapshot(keys, stored);
    if (json === null) return null;
    try {
      return JSON.parse(json);
    } catch {
      return null;
    }
  };

  async function step<A>(call: StepCall<A>): Promise<A> {
    const { channel, sessionId } = call;
    const redisKeys = [
      sessionLockKey(prefix, channel, sessionId),
      sessionKey(prefix, channel, sessionId),
      doneKey(prefix, channel, sessionId),
    ];
    const token = randomUUID();
    // A step waits for at most one command at a time (cut off at its deadline), plus a margin.
    const lockMs = (call.commandTimeoutMs ?? options.commandTimeoutMs) + 10_000;
    const deadline = Date.now() + lockMs;
    const began = performance.now();
    for (let waited = false; ; waited = true) {
      // Read each try: a step of this session that ran meanwhile in this process has cached another.
      const cached = cache.peek(redisKeys[1]);
      const tail = cached ? cached.sealed.slice(-SEAL_TAIL) : '';
      let read: [number, string | null | undefined, string | null | undefined, number | undefined];
      try {
        read = (await scripts.sessionLockAndRead(
          ...redisKeys,
          token,
          lockMs,
          tail,
          cached?.sealed.length ?? 0,
        )) as typeof read;
      } catch (err) {
        metrics.step(channel, 'failed', (performance.now() - began) / 1000);
        throw err;
      }
      const [got, stored, ended, same] = read;
      if (got === 1) {
        // Redis still holds the value cached when the lock was asked for: the entry's, unless the entry
        // went meanwhile (a new dial took the session over, which takes no lock): then it is read again.
        const kept = same === 1 ? cache.peek(redisKeys[1]) : undefined;
        const record =
          same !== 1
            ? stored
            : kept && kept.sealed === cached?.sealed
              ? kept.sealed
              : await readLocked(redisKeys, token, channel, began);
        return stepLocked(call, redisKeys, token, record, ended, waited, began);
      }
      // Another step of this session runs (a retry racing its original): wait for it, then replay.
      if (Date.now() > deadline) {
        metrics.step(channel, 'busy', (performance.now() - began) / 1000);
        throw sessionBusy(channel, sessionId);
      }
      await sleep(20);
    }
  }

  /** The session's record, read under the lock this step holds (released if the read fails). */
  async function readLocked(
    redisKeys: string[],
    token: string,
    channel: SessionChannel,
    began: number,
  ): Promise<string | null> {
    try {
      return await redis.get(redisKeys[1]);
    } catch (err) {
      await scripts.sessionSaveAndRelease(...redisKeys, token, 'keep', '', 0, '', 0).catch(() => {});
      metrics.step(channel, 'failed', (performance.now() - began) / 1000);
      throw err;
    }
  }

  async function stepLocked<A>(
    call: StepCall<A>,
    redisKeys: string[],
    token: string,
    stored: string | null | undefined,
    ended: string | null | undefined,
    waited: boolean,
    began: number,
  ): Promise<A> {
    const cacheKey = redisKeys[1];
    // Taken out for the step: it goes back only with what this step saved.
    const cached = cache.take(cacheKey);
    const hit = cached !== undefined && typeof stored === 'string' && cached.sealed === stored;
    if (cached && !hit) cached.live?.dispose();
    const record = hit ? cached.record : ((stored ? open(stored) : null) as SessionRecord | null);
    let live: LiveState | null = hit ? cached.live : null;
    const last = record?.last ?? ((ended ? open(ended) : null) as SessionRecord['last'] | null);
    // Something stored that cannot be opened (altered, or sealed under a retired key) is dropped.
    const unreadable = Boolean(stored) && record === null;
    let save: (string | number)[] = ['keep'];
    let endedArgs: (string | number)[] = ['', 0];
    let keep: CachedRecord | null = null;
    // Until the step has answered (and its record is saved), it failed.
    let result: StepResult = 'failed';
    try {
      if (call.request !== undefined && last && last.request === call.request) {
        // A replay changes nothing: what was cached stands as it was.
        if (hit) keep = cached;
        live = null;
        result = 'replayed';
        return last.answer as A;
      }
      const nonce = record?.nonce ?? randomUUID();
      const stepNo = record?.step ?? 0;
      const keyBase = `${call.channel}:${call.sessionId}:${call.stepId ?? `${nonce}:${stepNo}`}`;
      const timeoutMs = call.commandTimeoutMs ?? options.commandTimeoutMs;
      const adopt = (actor: AnyActorRef) =>
        scopes.set(actor.system, { keyBase, n: 0, timeoutMs, requestId: call.requestId });
      const given = live;
      live = null;
      const scope: StepScope = {
        saved: record?.state ?? null,
        live: given,
        lastRequest: record?.last?.request,
        waited,
        keyBase,
        actor(machine, from) {
          const actor = createActor(machine, from as never);
          actor.subscribe({ error: () => {} });
          adopt(actor);
          actor.start();
          return actor;
        },
        adopt,
      };
      const outcome = await call.run(scope);
      if ('unchanged' in outcome) {
        // Nothing written: what was cached stands as it was, its live state given back untouched.
        if (hit) keep = cached;
        result = 'answered';
        return outcome.answer;
      }
      live = outcome.live ?? null;
      // No record (or one that cannot be opened): this step began the session, unless it only found
      // that the session had lapsed.
      if (record === null && outcome.end !== 'expired') metrics.started(call.channel);
      if (outcome.keep === null) metrics.ended(call.channel, outcome.end ?? 'final');
      result = 'answered';
      const answered =
        call.request === undefined ? undefined : { request: call.request, answer: outcome.answer };
      if (outcome.keep === null) {
        save = record || unreadable ? ['del'] : ['keep'];
        if (answered) endedArgs = [keys.seal(JSON.stringify(answered)), ttl[call.channel]];
      } else {
        const next: SessionRecord = { state: outcome.keep, step: stepNo + 1, nonce, last: answered };
        const sealed = keys.seal(JSON.stringify(next));
        save = ['set', sealed, call.ttlSeconds ?? ttl[call.channel]];
        keep = { sealed, record: next, live };
        live = null;
      }
      return outcome.answer;
    } finally {
      live?.dispose();
      const [op, json = '', seconds = 0] = save;
      const kept = keep;
      await scripts
        .sessionSaveAndRelease(...redisKeys, token, op, json, seconds, ...endedArgs)
        .catch((err) => {
          // Not saved: what the step left live stands for nothing in Redis.
          kept?.live?.dispose();
          cache.release(cacheKey);
          metrics.step(call.channel, 'failed', (performance.now() - began) / 1000);
          throw err;
        });
      if (kept) cache.put(cacheKey, kept);
      else cache.release(cacheKey);
      metrics.step(call.channel, result, (performance.now() - began) / 1000);
    }
  }

  return {
    step,
    runCommand,
    metrics,
    ttlOf: (channel) => ttl[channel],
    async peek(channel, sessionId) {
      const record = open(await redis.get(sessionKey(prefix, channel, sessionId))) as SessionRecord | null;
      return record?.state ?? null;
    },
    async take(channel, sessionId) {
      cache.release(sessionKey(prefix, channel, sessionId));
      // GETDEL: of two dials racing to resume one session, one gets it.
      const taken = await redis.getdel(sessionKey(prefix, channel, sessionId));
      // Whatever was there, that session is over here (a hang-up, a dialog ended, a new dial took it).
      if (taken) metrics.ended(channel, 'closed');
      const record = open(taken) as SessionRecord | null;
      return record?.state ?? null;
    },
  };
}

interface CachedRecord {
  /** The sealed value saved in Redis: the entry stands for the record only while Redis holds this. */
  sealed: string;
  record: SessionRecord;
  live: LiveState | null;
}

/** How long an entry not stepped is kept: a person answers a USSD screen within seconds, rarely a minute. */
const CACHE_IDLE_MS = 60_000;

/**
 * At most `max` sessions' last records. A full cache admits no new session until a slot frees (a
 * session ends, or sits unstepped for `idleMs`), rather than evicting the least recently used: with more
 * sessions stepping in turn than it holds, LRU would evict each just before its next step and hit never,
 * where this keeps hitting for the sessions it holds. A session's slot stays reserved while its step runs
 * (taken out, not yet put back). Whatever leaves has its live state disposed.
 */
export function createRecordCache(max: number, idleMs = CACHE_IDLE_MS, clock: () => number = Date.now) {
  /** In order of the last put; null: taken by a running step, its slot reserved. */
  const entries = new Map<string, { entry: CachedRecord; at: number } | null>();
  const drop = (key: string) => {
    entries.get(key)?.entry.live?.dispose();
    entries.delete(key);
  };
  /** Drops the entries unstepped for `idleMs`, oldest first (a reserved slot belongs to a running step). */
  const sweep = () => {
    const before = clock() - idleMs;
    for (const [key, slot] of entries) {
      if (slot === null) continue;
      if (slot.at > before) break;
      drop(key);
    }
  };
  const timer = max > 0 ? setInterval(sweep, Math.max(1_000, idleMs / 2)) : null;
  timer?.unref();
  return {
    /** The session's entry, left where it is (undefined while a step has it). */
    peek(key: string): CachedRecord | undefined {
      return entries.get(key)?.entry;
    },
    /** The session's entry, its slot kept reserved for the step that took it. */
    take(key: string): CachedRecord | undefined {
      const slot = entries.get(key);
      if (!slot) return undefined;
      entries.set(key, null);
      return slot.entry;
    },
    /** Keeps what a step saved, in the session's own slot or a free one; with neither, lets it go. */
    put(key: string, entry: CachedRecord): void {
      const held = entries.has(key);
      // Full: the idle entries go first (otherwise the timer sweeps them). Not on every put: the walk
      // passes every slot a running step holds, and most steps find a slot free.
      if (!held && entries.size >= max) sweep();
      if (!held && entries.size >= max) {
        entry.live?.dispose();
        return;
      }
      if (held) drop(key);
      entries.set(key, { entry, at: clock() });
    },
    /** The session is over, failed or moved elsewhere: its slot is free. */
    release(key: string): void {
      drop(key);
    },
    get size(): number {
      return entries.size;
    },
    close(): void {
      if (timer) clearInterval(timer);
      for (const key of [...entries.keys()]) drop(key);
    },
  };
}
