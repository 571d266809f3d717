/**
 * The load of the STK benchmark (bench/stk.ts), run as a child process of its own so that its CPU is not
 * the gateway's nor the bench's: `connections` virtual users (bench/session-load.ts: autocannon, a
 * closed loop), each its own SIM Toolkit session at a time as an OTA platform forwards it:
 * `POST /stk/events` with `{msisdn, sessionId, tlv}`, the TLV what the SIM sent (TS 102 223). Prints
 * one JSON line (`LoadReport`).
 *
 * A session: the MENU SELECTION envelope of item 6 (account management; kind `open`), then a terminal
 * response "backward move" (`11`: back to the root menu) and one choosing item 6 again, alternately,
 * `steps` in all (kind `step`, timed), then one "terminated by the user" (`10`; kind `exit`, `END`).
 * The proactive command each answers is a SELECT ITEM (`81 03 01 24 00`) every time, so a session's
 * requests are known when it starts. None runs a command. Every answer is checked: a SELECT ITEM for
 * the steps, `END` for the exit.
 *
 * `noop`: the same requests to bench/noop-server.ts, whose STK route answers `{"command":"END"}`; every
 * request is timed there (kind `noop`). Each virtual user takes the wallets `user, user + connections,
 * …` in turn (the seeded MSISDNs), so no two sessions at once share a number.
 */
import { randomBytes } from 'node:crypto';
import { type PreparedRequest, runSessionLoad } from './session-load.js';
import { type LoadReport, runAsLoadChild, stepsOf } from './ussd-load.js';

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

/** What the SIM sends, per TS 102 223: the envelope of item 6, and terminal responses to SELECT ITEM. */
export const SIM = {
  menuItem6: 'D30782020181900106',
  back: '810301240082028281830111',
  item6: '810301240082028281830100900106',
  end: '810301240082028281830110',
} as const;

const HEADERS = { 'content-type': 'application/json' };

export function runStkLoad(spec: StkLoadSpec): Promise<LoadReport> {
  const run = randomBytes(3).toString('hex');
  let sessions = 0;
  const stepsOfUser = (user: number) => stepsOf(spec.steps, (user % 11) - 5);
  const sessionOf = (user: number, turn: number): PreparedRequest[] => {
    // The reference checks nothing: its users send their first wallet's sessions over and over.
    const wallet = (user + (spec.scenario === 'noop' ? 0 : turn) * spec.connections) % spec.wallets;
    const base = {
      msisdn: String(spec.msisdnBase + 1 + wallet),
      sessionId: `stk-${run}-${(sessions++).toString(36)}`,
    };
    const prepared = (kind: string, tlv: string, expect: string): PreparedRequest => ({
      kind,
      path: '/stk/events',
      headers: HEADERS,
      body: JSON.stringify({ ...base, tlv }),
      expect,
    });
    const out = [prepared('open', SIM.menuItem6, '"SELECT_ITEM"')];
    for (let n = 1; n <= stepsOfUser(user); n++)
      out.push(prepared('step', n % 2 === 1 ? SIM.back : SIM.item6, '"SELECT_ITEM"'));
    out.push(prepared('exit', SIM.end, '"END"'));
    return out;
  };
  return runSessionLoad({
    url: spec.url,
    connections: spec.connections,
    seconds: spec.seconds,
    warmupSeconds: spec.warmupSeconds,
    sessionOf,
    lengthOf: (user) => stepsOfUser(user) + 2,
    timedKind: 'step',
    ...(spec.scenario === 'noop' ? { noopExpect: '"command"' } : {}),
  });
}

runAsLoadChild(import.meta.url, runStkLoad);
