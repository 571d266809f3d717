/**
 * The load-generating SMSC of the SMS benchmarks: an SMPP 3.4 server (the `smpp` package) that an ESME
 * under test (our gateway, or Kannel as the reference) binds to. It plays the users: it sends MOs as
 * `deliver_sm` and waits for their replies, the MTs (`submit_sm`, each answered at once with a
 * `submit_sm_resp` carrying a message id).
 *
 * One engine serves both modes: `outstanding` MOs are in flight, each from a distinct MSISDN; when the MT
 * to that MSISDN arrives the message is done and the next MO goes out from the next MSISDN (`throughput`:
 * 50 outstanding, the figure is MTs a second; `latency`: 10 conversations in a closed loop, the figure is
 * MO `deliver_sm` sent → MT `submit_sm` received). Only the window after the warm-up is counted. An
 * open-loop variant of throughput frees a slot at the `deliver_sm_resp` instead (the SMPP window only).
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';
import { normalizeMsisdn } from '../src/lib/msisdn.js';
import { log, percentile, round } from './lib.js';

/** The parts of a `smpp` PDU this module reads (the package has no types). */
interface SmppPdu {
  command: string;
  command_status: number;
  sequence_number: number;
  system_id?: string;
  destination_addr?: string;
  short_message?: { message: string | Buffer; udh?: Buffer[] };
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
  isResponse(): boolean;
  response(options?: Record<string, unknown>): SmppPdu;
}

interface SmppSession extends EventEmitter {
  socket: Socket;
  send(pdu: SmppPdu, onResponse?: (response: SmppPdu) => void): boolean;
  deliver_sm(options: Record<string, unknown>, onResponse?: (response: SmppPdu) => void): boolean;
  pause(): void;
  resume(): void;
  destroy(): void;
}

interface SmppModule {
  createServer(options: Record<string, unknown>, onSession: (session: SmppSession) => void): Server;
}

// Loaded through `require` so this module needs no ambient declaration of the untyped package.
const smpp = createRequire(import.meta.url)('smpp') as SmppModule;

export type LoadMode = 'throughput' | 'latency';

export interface LoadOptions {
  mode: LoadMode;
  seconds: number;
  warmupSeconds: number;
  /** MOs in flight (MT not yet received): 50 for throughput, 10 for latency. */
  outstanding: number;
  /** The MSISDN of the i-th MO; MSISDNs in flight are skipped, so give more numbers than `outstanding`. */
  from: (i: number) => string;
  /** The MO's text, sent as ASCII with `data_coding` 0, e.g. `YE`. */
  text: string;
  /**
   * Throughput only: an MO frees its slot when its `deliver_sm_resp` comes (the SMSC's SMPP window, MTs
   * awaited without bound up to `MAX_AWAITED`) rather than when its MT does. Give `from` enough MSISDNs.
   */
  openLoop?: boolean;
}

export interface LoadResult {
  mtPerSecond: number;
  moSent: number;
  mtReceived: number;
  latencyMs: { p50: number; p99: number };
  /** Refused MOs (`deliver_sm_resp` status, `generic_nack`), MTs not received in time, MTs to nobody waiting. */
  errors: number;
}

export interface LoadSmsc {
  /** `smpp://bench:bench@127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Resolves once an ESME is bound as transceiver (or receiver); rejects after `timeoutMs`. */
  waitForBind(timeoutMs: number): Promise<void>;
  /** One MO from `from`, resolving with its MO→MT time and the MT's text: checks the path before measuring. */
  probe(from: string, text: string, timeoutMs: number): Promise<{ latencyMs: number; reply: string }>;
  run(opts: LoadOptions): Promise<LoadResult>;
  close(): Promise<void>;
}

/** How many MSISDNs the load uses at most: 8613900000001 on, the wallets `seedWallets` opens. */
export const MSISDN_COUNT = 10_000;
export const msisdnOf = (i: number) => String(8613900000001 + (i % MSISDN_COUNT));

/**
 * The load Kannel and the gateway both get (spec/BENCH.md): MO `YE`; throughput with 50 MOs outstanding,
 * latency with 10 conversations. `BENCH_SMS_OPEN_LOOP=1`: throughput's 50 is the `deliver_sm` window.
 */
export function benchLoad(mode: LoadMode, seconds: number, warmupSeconds: number): LoadOptions {
  const outstanding = mode === 'throughput' ? 50 : 10;
  const openLoop = mode === 'throughput' && process.env.BENCH_SMS_OPEN_LOOP === '1';
  // 20 numbers per slot: one whose MT is late is skipped, never sent to twice.
  const pool = openLoop ? MSISDN_COUNT : outstanding * 20;
  return { mode, seconds, warmupSeconds, outstanding, from: (i) => msisdnOf(i % pool), text: 'YE', openLoop };
}

const SHORT_CODE = '10658888';
/** An MO whose MT has not come after this long counts as an error and frees its slot. */
const MT_TIMEOUT_MS = 10_000;
/** Open loop: at most this many MOs awaiting their MT (then sending waits), so a stuck ESME cannot drain `from`. */
const MAX_AWAITED = 5_000;
/** After the window, how long in-flight MOs may still finish (not counted) before `run` returns. */
const DRAIN_MS = 5_000;

/** The same user whatever the form (`+86…`, `86…`, national): the key MTs are matched to MOs by. */
function msisdnKey(address: string | undefined): string {
  const raw = String(address ?? '');
  return normalizeMsisdn(raw) ?? raw.replace(/^\+/, '');
}

/**
 * The concatenation reference and part count of a `submit_sm` that is one part of a long MT (UDH IE
 * 0x00/0x08 or SAR TLVs), else null: a long reply is done once every part has come, not at its first.
 */
function concatInfo(pdu: SmppPdu): { ref: string; total: number } | null {
  for (const ie of pdu.short_message?.udh ?? []) {
    if (ie[0] === 0x00 && ie.length >= 5) return { ref: `u8:${ie[2]}`, total: ie[3] };
    if (ie[0] === 0x08 && ie.length >= 6) return { ref: `u16:${ie.readUInt16BE(2)}`, total: ie[4] };
  }
  if (pdu.sar_total_segments && pdu.sar_total_segments > 1)
    return { ref: 'sar', total: pdu.sar_total_segments };
  return null;
}

interface InFlight {
  sentAt: number;
  /** Parts of a concatenated MT received so far, by reference. */
  parts?: Map<string, number>;
  /** The MT's text so far (parts in arrival order). */
  reply: string;
  done: (receivedAt: number) => void;
  fail: (why: string) => void;
}

export async function startLoadSmsc(options: { shortCode?: string } = {}): Promise<LoadSmsc> {
  const shortCode = options.shortCode ?? SHORT_CODE;
  const sessions = new Set<SmppSession>();
  /** The session MOs go to: the last one bound as transceiver or receiver. */
  let bound: SmppSession | null = null;
  const events = new EventEmitter();
  const inFlight = new Map<string, InFlight>();
  let messageIds = 0;
  let strayMts = 0;

  // Many PDUs go out per event-loop turn under load: cork the socket and flush once at the end of the tick.
  const corked = new WeakSet<Socket>();
  const writeSoon = (session: SmppSession) => {
    const socket = session.socket;
    if (corked.has(socket)) return;
    corked.add(socket);
    socket.cork();
    process.nextTick(() => {
      corked.delete(socket);
      socket.uncork();
    });
  };

  const onSubmit = (session: SmppSession, pdu: SmppPdu) => {
    const receivedAt = performance.now();
    writeSoon(session);
    session.send(pdu.response({ message_id: String(++messageIds) }));
    const key = msisdnKey(pdu.destination_addr);
    const waiting = inFlight.get(key);
    if (!waiting) {
      strayMts++;
      return;
    }
    const body = pdu.short_message?.message;
    waiting.reply += typeof body === 'string' ? body : (body?.toString('latin1') ?? '');
    const concat = concatInfo(pdu);
    if (concat) {
      waiting.parts ??= new Map();
      const seen = (waiting.parts.get(concat.ref) ?? 0) + 1;
      waiting.parts.set(concat.ref, seen);
      if (seen < concat.total) return;
    }
    waiting.done(receivedAt);
  };

  const onSession = (session: SmppSession) => {
    session.socket.setNoDelay(true);
    sessions.add(session);
    const accept = (pdu: SmppPdu, receives: boolean) => {
      // As the `smpp` docs advise: hold further PDUs until the bind is answered.
      session.pause();
      session.send(pdu.response({ system_id: 'loadsmsc' }));
      session.resume();
      if (receives) {
        bound = session;
        events.emit('bound');
      }
    };
    session.on('bind_transceiver', (pdu: SmppPdu) => accept(pdu, true));
    session.on('bind_receiver', (pdu: SmppPdu) => accept(pdu, true));
    session.on('bind_transmitter', (pdu: SmppPdu) => accept(pdu, false));
    session.on('enquire_link', (pdu: SmppPdu) => session.send(pdu.response()));
    session.on('submit_sm', (pdu: SmppPdu) => onSubmit(session, pdu));
    session.on('unbind', (pdu: SmppPdu) => {
      session.send(pdu.response());
      if (bound !== session) return;
      bound = null;
      events.emit('unbound', 'the ESME unbound');
    });
    session.on('pdu', (pdu: SmppPdu) => {
      // Anything else the ESME asks (query_sm, ...) is not supported here: say so rather than stay silent.
      if (!pdu.isResponse() && !KNOWN_REQUESTS.has(pdu.command))
        session.send(pdu.response({ command_status: ESME_RINVCMDID }));
    });
    session.on('error', (err: Error) => log(`load SMSC: session error: ${err.message}`));
    session.on('close', () => {
      sessions.delete(session);
      if (bound === session) {
        bound = null;
        events.emit('unbound', 'the ESME connection closed');
      }
    });
  };

  const server = smpp.createServer({}, onSession);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', (err: Error) => log(`load SMSC: server error: ${err.message}`));
  const port = (server.address() as AddressInfo).port;

  const waitForBind = (timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (bound) return resolve();
      const timer = setTimeout(() => {
        events.off('bound', onBound);
        reject(new Error(`no ESME bound to the load SMSC (127.0.0.1:${port}) within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onBound = () => {
        clearTimeout(timer);
        resolve();
      };
      events.once('bound', onBound);
    });

  /** What becomes of one MO: `answered` on its `deliver_sm_resp`; then once either `done` or `fail`. */
  interface MoHandlers {
    answered?: () => void;
    done: (latencyMs: number, reply: string) => void;
    fail: (why: string) => void;
  }

  const sendMo = (from: string, text: string, on: MoHandlers) => {
    const session = bound;
    if (!session) return on.fail('no ESME bound');
    const key = msisdnKey(from);
    const sentAt = performance.now();
    const entry: InFlight = {
      sentAt,
      reply: '',
      done: (receivedAt) => {
        inFlight.delete(key);
        on.done(receivedAt - sentAt, entry.reply);
      },
      fail: (why) => {
        inFlight.delete(key);
        on.fail(why);
      },
    };
    inFlight.set(key, entry);
    writeSoon(session);
    const sent = session.deliver_sm(
      {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: from,
        dest_addr_ton: 0,
        dest_addr_npi: 1,
        destination_addr: shortCode,
        data_coding: 0,
        short_message: Buffer.from(text, 'ascii'),
      },
      (response) => {
        if (response.command_status !== 0 && inFlight.get(key) === entry)
          entry.fail(`${response.command} status 0x${response.command_status.toString(16)}`);
        on.answered?.();
      },
    );
    if (!sent) entry.fail('the ESME socket is not writable');
  };

  const probe = (from: string, text: string, timeoutMs: number) =>
    new Promise<{ latencyMs: number; reply: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        inFlight.delete(msisdnKey(from));
        reject(new Error(`no MT came back to ${from} within ${timeoutMs / 1000} s of the MO "${text}"`));
      }, timeoutMs);
      sendMo(from, text, {
        done: (latencyMs, reply) => {
          clearTimeout(timer);
          resolve({ latencyMs, reply });
        },
        fail: (why) => {
          clearTimeout(timer);
          reject(new Error(`the MO "${text}" from ${from} failed: ${why}`));
        },
      });
    });

  const run = (opts: LoadOptions) =>
    new Promise<LoadResult>((resolve, reject) => {
      if (!bound) return reject(new Error('load SMSC: run() before any ESME bound'));
      const openLoop = opts.mode === 'throughput' && opts.openLoop === true;
      const start = performance.now();
      const measureFrom = start + opts.warmupSeconds * 1000;
      const measureTo = measureFrom + opts.seconds * 1000;
      const inWindow = (t: number) => t >= measureFrom && t < measureTo;
      const latencies: number[] = [];
      const failures = new Map<string, number>();
      let moSent = 0;
      let mtReceived = 0;
      let errors = 0;
      let next = 0;
      /** MOs holding a slot of the window (MT not yet in, or in open loop `deliver_sm_resp` not yet in). */
      let slots = 0;
      /** MOs whose MT has not come yet. */
      let awaiting = 0;
      let finished = false;
      let drainTimer: NodeJS.Timeout | undefined;
      const straysBefore = strayMts;

      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        clearInterval(sweeper);
        clearTimeout(windowEnd);
        clearTimeout(drainTimer);
        events.off('unbound', onUnbound);
        // What is still in flight after the drain is not counted; late MTs to it become strays.
        inFlight.clear();
        if (err) return reject(err);
        const strays = strayMts - straysBefore;
        if (strays) log(`load SMSC: ${strays} MT(s) to an MSISDN with no MO waiting`);
        if (failures.size) log(`load SMSC: failures ${JSON.stringify([...failures])}`);
        resolve({
          mtPerSecond: round(mtReceived / opts.seconds, 1),
          moSent,
          mtReceived,
          latencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
          errors: errors + strays,
        });
      };
      const finishIfDrained = (now: number) => {
        if (awaiting === 0 && slots === 0 && now >= measureTo) finish();
      };

      /** The next MSISDN with nothing in flight (a slow one is skipped, never sent to twice). */
      const nextFrom = (): string => {
        for (let tries = 0; tries < 10 * (awaiting + opts.outstanding) + 100; tries++) {
          const candidate = opts.from(next++);
          if (!inFlight.has(msisdnKey(candidate))) return candidate;
        }
        throw new Error(`load SMSC: from(i) gives too few distinct MSISDNs for ${awaiting + 1} in flight`);
      };

      const launch = () => {
        let holdsSlot = true;
        const release = () => {
          if (!holdsSlot) return;
          holdsSlot = false;
          slots--;
        };
        slots++;
        awaiting++;
        if (inWindow(performance.now())) moSent++;
        sendMo(nextFrom(), opts.text, {
          answered: openLoop
            ? () => {
                release();
                pump();
              }
            : undefined,
          done: (ms) => {
            awaiting--;
            release();
            const now = performance.now();
            if (inWindow(now)) {
              mtReceived++;
              latencies.push(ms);
            }
            pump();
            finishIfDrained(now);
          },
          fail: (why) => {
            awaiting--;
            release();
            const now = performance.now();
            if (inWindow(now)) errors++;
            failures.set(why, (failures.get(why) ?? 0) + 1);
            // Later, not now: a failure can be synchronous (socket not writable) and must not recurse.
            setImmediate(pump);
            finishIfDrained(now);
          },
        });
      };

      const pump = () => {
        try {
          while (
            !finished &&
            slots < opts.outstanding &&
            awaiting < MAX_AWAITED &&
            performance.now() < measureTo
          ) {
            if (!bound) return finish(new Error(`load SMSC: no ESME bound during the ${opts.mode} run`));
            launch();
          }
        } catch (err) {
          finish(err as Error);
        }
      };

      const onUnbound = (why: string) => finish(new Error(`load SMSC: ${why} during the ${opts.mode} run`));
      events.on('unbound', onUnbound);
      // MOs whose MT never comes free their slot, so one lost reply cannot stall the loop.
      const sweeper = setInterval(() => {
        const now = performance.now();
        for (const entry of [...inFlight.values()])
          if (now - entry.sentAt > MT_TIMEOUT_MS) entry.fail(`no MT within ${MT_TIMEOUT_MS / 1000} s`);
      }, 250);
      const windowEnd = setTimeout(
        () => {
          if (awaiting === 0 && slots === 0) return finish();
          drainTimer = setTimeout(finish, DRAIN_MS);
        },
        measureTo - start + 1,
      );
      pump();
    });

  const close = async () => {
    for (const session of sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url: `smpp://bench:bench@127.0.0.1:${port}`,
    port,
    waitForBind,
    probe,
    run,
    close,
  };
}

const ESME_RINVCMDID = 0x0003;
const KNOWN_REQUESTS = new Set([
  'bind_transceiver',
  'bind_receiver',
  'bind_transmitter',
  'enquire_link',
  'submit_sm',
  'unbind',
]);
