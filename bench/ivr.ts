/**
 * The IVR benchmark (spec/BENCH.md): `ivr.step`, p99 of one IVR step (a signed Twilio Voice webhook in,
 * the flow, TwiML out) with 200 calls at once, against `http.noop_ivr` (the express route of
 * bench/noop-server.ts answering an empty TwiML; the same calls, bodies and signatures, same 200
 * connections, same load tool) measured right before and right after.
 *
 * The gateway is bench/ussd.ts's: a child process `node --import tsx src/main/gateway.ts` on a database
 * and Redis prefix of its own with 10,000 seeded wallets, here with `TWILIO_AUTH_TOKEN` and `PUBLIC_URL`
 * set (the URL Twilio signs; the gateway checks every request's `X-Twilio-Signature` against it). The
 * load is autocannon in a child process of its own (bench/ivr-load.ts), a closed loop, one connection a
 * call, every call signed before the clock starts, in the reference's run as in the gateway's. CPU is
 * read from `/proc` over the measured window.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { type Benchmark, cpuPerOperationOf } from './lib.js';
import type { IvrLoadReport, IvrLoadSpec } from './ivr-load.js';
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

/** Keys (`6`, `0`, …) per call of `ivr.step` before its exit. */
const STEPS_PER_CALL = 20;
/** Where Twilio calls us (a proxy's address: the gateway's own differs), and the number called. */
const PUBLIC_URL = 'https://ivr.bench.example';
const TO = '+8610658888';
/**
 * What the signed pools are sized for: above what the reference answers here (~5,500/s; the gateway
 * ~1,900/s), since its run uses the same pools.
 */
const EXPECTED_PER_SECOND = 8_000;

/** Runs bench/ivr-load.ts against `target` with the run's token. */
function runIvrLoad(
  target: Target,
  authToken: string,
  spec: Pick<IvrLoadSpec, 'scenario' | 'seconds' | 'warmupSeconds'>,
): Promise<IvrLoadReport & { cpu: Map<string, number> }> {
  const full: IvrLoadSpec = {
    url: target.url,
    connections: CONNECTIONS,
    msisdnBase: MSISDN_BASE,
    wallets: WALLETS,
    authToken,
    publicUrl: PUBLIC_URL,
    to: TO,
    steps: STEPS_PER_CALL,
    expectedPerSecond: EXPECTED_PER_SECOND,
    ...spec,
  };
  return runLoadScript('bench/ivr-load.ts', target, full) as Promise<
    IvrLoadReport & { cpu: Map<string, number> }
  >;
}

/** One call of the probe: ring, exit (`0` at the root) and status callback, each signed as Twilio signs. */
async function probeCall(gateway: Gateway, authToken: string): Promise<string> {
  const common = {
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: `+${MSISDN_BASE + 1}`,
    To: TO,
    Direction: 'inbound',
  };
  const post = async (path: string, params: Record<string, string>) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, `${PUBLIC_URL}${path}`, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`the probe's ${path} got ${res.status} ${body.slice(0, 300)}`);
    return body;
  };
  const ring = await post('/ivr/voice', { ...common, CallStatus: 'ringing' });
  if (!ring.includes(`action="${PUBLIC_URL}/ivr/step/1"`))
    throw new Error(`the probe's ring got no <Gather> to step 1: ${ring.slice(0, 300)}`);
  const bye = await post('/ivr/step/1', { ...common, CallStatus: 'in-progress', Digits: '0' });
  if (!bye.includes('<Hangup/>')) throw new Error(`the probe's exit did not hang up: ${bye.slice(0, 300)}`);
  const done = await post('/ivr/status', { ...common, CallStatus: 'completed' });
  if (!done.includes('<Response/>')) throw new Error(`the probe's status callback got ${done.slice(0, 300)}`);
  return ring;
}

const signedText = (r: IvrLoadReport) =>
  `${r.precomputedRequests} requests of ${r.precomputedCalls} calls signed before the clock` +
  (r.signedLive ? `, ${r.signedLive} signed while measured (a pool ran out)` : ', none while measured');

export const httpNoopIvr = noopReference(
  'http.noop_ivr',
  'POST /ivr/... → text/xml <Response/>',
  `${CONNECTIONS} connections closed loop, the ivr.step calls' requests (same bodies, same signature headers)`,
  (target, seconds) =>
    runIvrLoad(target, randomBytes(16).toString('hex'), {
      scenario: 'noop',
      seconds,
      warmupSeconds: stepWarmup(),
    }),
);

export const ivrStep: Benchmark = {
  name: 'ivr.step',
  around: ['http.noop_ivr'],
  run: async () => {
    const seconds = ussdSeconds();
    const authToken = randomBytes(16).toString('hex');
    const r = await withGateway(
      'ivr.step',
      async (gateway) => {
        await probeCall(gateway, authToken);
        return runIvrLoad(gateway, authToken, { scenario: 'step', seconds, warmupSeconds: stepWarmup() });
      },
      { TWILIO_AUTH_TOKEN: authToken, PUBLIC_URL },
    );
    checkLoad('ivr.step', r, ['step']);
    const l = r.kinds.step;
    return [
      {
        name: 'ivr.step',
        value: l.p99,
        unit: 'ms p99',
        referenceName: 'http.noop_ivr',
        aim: '<= 3.0',
        serverCpu: cpuPerOperationOf(r.cpu, r.requestsPerSecond, 'gateway'),
        note:
          `p50 ${l.p50} ms; gateway child process, ${CONNECTIONS} calls at once (autocannon closed loop, one ` +
          `connection a call), each: POST /ivr/voice, then 6/0 (account submenu, back; no command) ` +
          `${STEPS_PER_CALL} times on average (10–30 by user) to /ivr/step/<n> as each TwiML names it, ` +
          `0 at the root (hangs up), the status callback (completed); every request form-encoded and signed ` +
          `(X-Twilio-Signature over PUBLIC_URL + path; ${signedText(r)}); warm-up ${stepWarmup()} s; ` +
          `timed: the 6/0 steps, ${r.timedPerSecond}/s (all requests ${r.requestsPerSecond}/s in ${seconds} s); ` +
          `${['ring', 'exit', 'status']
            .map((k) => latencyText(r, k))
            .filter(Boolean)
            .join('; ')}; ` +
          `${cpuText(r.cpu, r.requestsPerSecond, 'request (one webhook, one step)')}${mismatchText(r)}`,
      },
    ];
  },
};
