/**
 * The STK benchmark (spec/BENCH.md): `stk.step`, p99 of one SIM Toolkit step (a terminal response in as
 * an OTA platform forwards it, the TLV decoded, the flow, the next proactive command encoded, JSON out)
 * with 200 sessions at once, against `http.noop_stk` (the express route of bench/noop-server.ts
 * answering a fixed JSON; the same requests, the same 200 connections, the same load tool) measured
 * right before and right after.
 *
 * The gateway is bench/ussd.ts's: a child process `node --import tsx src/main/gateway.ts` on a database
 * and Redis prefix of its own with 10,000 seeded wallets. The load is autocannon in a child process of
 * its own (bench/stk-load.ts), a closed loop, one connection a session. CPU is read from `/proc` over
 * the measured window.
 */
import { randomBytes } from 'node:crypto';
import { type Benchmark, cpuPerOperationOf } from './lib.js';
import { SIM, type StkLoadSpec } from './stk-load.js';
import {
  checkLoad,
  cpuText,
  type Gateway,
  latencyText,
  mismatchText,
  noopReference,
  runLoadScript,
  stepWarmup,
  type Target,
  ussdSeconds,
  withGateway,
  MSISDN_BASE,
  SCREEN_CONNECTIONS as CONNECTIONS,
  WALLETS,
} from './ussd.js';
import type { LoadReport } from './ussd-load.js';

/** Terminal responses (back, item 6, …) per session of `stk.step` before its exit. */
const STEPS_PER_SESSION = 20;

function runStkLoad(
  target: Target,
  spec: Pick<StkLoadSpec, 'scenario' | 'seconds' | 'warmupSeconds'>,
): Promise<LoadReport & { cpu: Map<string, number> }> {
  const full: StkLoadSpec = {
    url: target.url,
    connections: CONNECTIONS,
    msisdnBase: MSISDN_BASE,
    wallets: WALLETS,
    steps: STEPS_PER_SESSION,
    ...spec,
  };
  return runLoadScript('bench/stk-load.ts', target, full);
}

/** One session of the probe: item 6 of the SIM menu, then ended: the STK path answers before the load. */
async function probeSession(gateway: Gateway): Promise<string> {
  const base = { msisdn: String(MSISDN_BASE + 1), sessionId: `probe-${randomBytes(4).toString('hex')}` };
  const post = async (tlv: string) => {
    const res = await fetch(`${gateway.url}/stk/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...base, tlv }),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`the probe's ${tlv} got ${res.status} ${body.slice(0, 300)}`);
    return body;
  };
  const menu = await post(SIM.menuItem6);
  if (!menu.includes('"SELECT_ITEM"'))
    throw new Error(`the probe's menu selection got ${menu.slice(0, 300)}`);
  const end = await post(SIM.end);
  if (!end.includes('"END"')) throw new Error(`the probe's end got ${end.slice(0, 300)}`);
  return menu;
}

export const httpNoopStk = noopReference(
  'http.noop_stk',
  'POST /stk/events → a fixed JSON',
  `${CONNECTIONS} connections closed loop, the stk.step requests (same JSON bodies)`,
  (target, seconds) => runStkLoad(target, { scenario: 'noop', seconds, warmupSeconds: stepWarmup() }),
);

export const stkStep: Benchmark = {
  name: 'stk.step',
  around: ['http.noop_stk'],
  run: async () => {
    const seconds = ussdSeconds();
    const r = await withGateway('stk.step', async (gateway) => {
      await probeSession(gateway);
      return runStkLoad(gateway, { scenario: 'step', seconds, warmupSeconds: stepWarmup() });
    });
    checkLoad('stk.step', r, ['step']);
    const l = r.kinds.step;
    return [
      {
        name: 'stk.step',
        value: l.p99,
        unit: 'ms p99',
        referenceName: 'http.noop_stk',
        aim: '<= 3.0',
        serverCpu: cpuPerOperationOf(r.cpu, r.requestsPerSecond, 'gateway'),
        note:
          `p50 ${l.p50} ms; gateway child process, ${CONNECTIONS} sessions at once (autocannon closed loop, ` +
          `one connection a session), each: the MENU SELECTION envelope of item 6, then terminal responses ` +
          `to SELECT ITEM, back (11) and item 6 alternately, ${STEPS_PER_SESSION} on average (10–30 by user; ` +
          `no command), then "terminated by the user" (10, END); JSON bodies with the hex TLV; warm-up ` +
          `${stepWarmup()} s; timed: the back/item-6 steps, ${r.timedPerSecond}/s (all requests ` +
          `${r.requestsPerSecond}/s in ${seconds} s); ${['open', 'exit']
            .map((k) => latencyText(r, k))
            .filter(Boolean)
            .join('; ')}; ` +
          `${cpuText(r.cpu, r.requestsPerSecond, 'request (one event, one step)')}${mismatchText(r)}`,
      },
    ];
  },
};
