/**
 * The load of the IVR benchmark (bench/ivr.ts), run as a child process of its own so that its CPU is not
 * the gateway's nor the bench's: autocannon (a closed loop, one request at a time per connection),
 * `connections` virtual users, each its own Twilio Voice call at a time as Twilio sends it: webhooks
 * form-encoded with Twilio's parameters (as test/helpers/twilio-call.ts sends them: `CallSid`,
 * `AccountSid`, `From`, `To`, `CallStatus`, `Direction`, `Digits`), each signed with `X-Twilio-Signature`
 * (`twilio.getExpectedTwilioSignature` over `publicUrl` + path). Prints one JSON line (`IvrLoadReport`).
 *
 * A call: `POST /ivr/voice` (ringing; kind `ring`), then `6` (account submenu) and `0` (back) alternately,
 * `steps` keys in all, each posted to the step the previous TwiML's `<Gather action>` names
 * (`/ivr/step/<n>`, n counting from 1: the gateway names step `n + 1` after step `n`, so the whole call
 * is known in advance; kind `step`, timed), then `0` at the root (exit, said and `<Hangup/>`; kind
 * `exit`), then the status callback `POST /ivr/status` with `CallStatus=completed` (kind `status`).
 * None runs a command. Every answer is checked: a step's TwiML must name the next step (the counter
 * follows), the exit hang up, the status callback answer an empty `<Response/>`.
 *
 * Signing is done before the clock starts: every call of the run is built and signed in advance (a pool
 * per virtual user, sized for `expectedPerSecond` requests a second), and a call is let go once made; a
 * user who runs out signs its further calls while measured, counted in `signedLive`. The reference run
 * (`noop`: the same calls, bodies and signatures, posted to `bench/noop-server.ts`, whose IVR route
 * answers an empty TwiML; every request is timed there, kind `noop`) builds the same pools and uses them
 * the same way, so the load holds the same heap and does the same work per request against both servers
 * (it once cycled four calls a user there: a small heap against the gateway's run's 100,000 requests).
 *
 * Each virtual user takes the wallets `user, user + connections, …` in turn (the seeded MSISDNs), so no
 * two calls at once share a number. Only responses after the warm-up are counted.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { type PreparedRequest, runSessionLoad } from './session-load.js';
import { type LoadReport, runAsLoadChild, stepsOf } from './ussd-load.js';

export type IvrScenario = 'noop' | 'step';

export interface IvrLoadSpec {
  /** The server's origin (`http://127.0.0.1:<port>`): requests go to its `/ivr/...` paths. */
  url: string;
  scenario: IvrScenario;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Seeded wallets: MSISDN of wallet `i` is `msisdnBase + 1 + i`. */
  msisdnBase: number;
  wallets: number;
  /** The gateway's `TWILIO_AUTH_TOKEN` and `PUBLIC_URL` (what Twilio signs). */
  authToken: string;
  publicUrl: string;
  /** The number called (`To`). */
  to: string;
  /** Keys (`6`, `0`, …) per call on average before the exit (users' calls differ: ±10). */
  steps: number;
  /** Requests a second the signed pool is sized for (each user's calls, whole run, with a margin). */
  expectedPerSecond: number;
}

export interface IvrLoadReport extends LoadReport {
  /** Calls signed in advance, and requests signed during the run (a user's pool ran out). */
  precomputedCalls: number;
  precomputedRequests: number;
  signedLive: number;
}

/** One request of a call, ready to send (bench/session-load.ts), of kind `ring`, `step`, `exit` or `status`. */
type Prepared = PreparedRequest & { kind: 'ring' | 'step' | 'exit' | 'status' };
const ACCOUNT_SID = 'AC00000000000000000000000000000000';

export async function runIvrLoad(spec: IvrLoadSpec): Promise<IvrLoadReport> {
  const run = randomBytes(3).toString('hex');
  const base = spec.publicUrl.replace(/\/+$/, '');
  let calls = 0;
  let signedLive = 0;
  let signing = true;

  /** Every request of one call of `msisdn` with `keys` keys after the ring, signed. */
  const callOf = (msisdn: string, keys: number): Prepared[] => {
    const callSid = `CA${run}${(calls++).toString(16).padStart(26, '0')}`;
    const common = {
      CallSid: callSid,
      AccountSid: ACCOUNT_SID,
      From: `+${msisdn}`,
      To: spec.to,
      Direction: 'inbound',
    };
    const prepared = (
      kind: Prepared['kind'],
      path: string,
      params: Record<string, string>,
      expect: string,
    ): Prepared => {
      if (!signing) signedLive++;
      return {
        kind,
        path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(spec.authToken, `${base}${path}`, params),
        },
        body: new URLSearchParams(params).toString(),
        expect,
      };
    };
    // Each TwiML's `<Gather action>` names the step its answer goes to: step n's names n + 1.
    const action = (n: number) => `action="${base}/ivr/step/${n}"`;
    const out = [prepared('ring', '/ivr/voice', { ...common, CallStatus: 'ringing' }, action(1))];
    for (let n = 1; n <= keys; n++)
      out.push(
        prepared(
          'step',
          `/ivr/step/${n}`,
          { ...common, CallStatus: 'in-progress', Digits: n % 2 === 1 ? '6' : '0' },
          action(n + 1),
        ),
      );
    // Back at the root after an even number of keys: `0` there exits, said and hung up.
    out.push(
      prepared(
        'exit',
        `/ivr/step/${keys + 1}`,
        { ...common, CallStatus: 'in-progress', Digits: '0' },
        '<Hangup/>',
      ),
    );
    out.push(prepared('status', '/ivr/status', { ...common, CallStatus: 'completed' }, '<Response/>'));
    return out;
  };

  // Each user's calls differ in length (`steps` on average, ±10 by user) so that their rings, which all
  // come at once at the start, spread out instead of coming back together at every new call.
  const keysOf = (user: number) => stepsOf(spec.steps, (user % 11) - 5);
  const msisdnOf = (user: number, turn: number) =>
    String(spec.msisdnBase + 1 + ((user + turn * spec.connections) % spec.wallets));
  const total = spec.warmupSeconds + spec.seconds;
  const pools: (Prepared[] | undefined)[][] = [];
  let precomputedRequests = 0;
  for (let user = 0; user < spec.connections; user++) {
    const length = keysOf(user) + 3;
    // The calls this user makes if the whole run goes at `expectedPerSecond`, and two more.
    const need = Math.ceil((spec.expectedPerSecond * total) / spec.connections / length) + 2;
    const pool: (Prepared[] | undefined)[] = [];
    for (let turn = 0; turn < need; turn++) pool.push(callOf(msisdnOf(user, turn), keysOf(user)));
    precomputedRequests += need * length;
    pools.push(pool);
  }
  const precomputedCalls = calls;
  signing = false;
  process.stderr.write(`signed ${precomputedRequests} requests of ${precomputedCalls} calls\n`);
  const report = await runSessionLoad({
    url: spec.url,
    connections: spec.connections,
    seconds: spec.seconds,
    warmupSeconds: spec.warmupSeconds,
    sessionOf: (user, turn) => {
      const pool = pools[user];
      // The call before is over: the pool lets it go.
      if (turn > 0) pool[turn - 1] = undefined;
      return pool[turn] ?? callOf(msisdnOf(user, turn), keysOf(user));
    },
    lengthOf: (user) => keysOf(user) + 3,
    timedKind: 'step',
    ...(spec.scenario === 'noop' ? { noopExpect: '<Response/>' } : {}),
  });
  return { ...report, precomputedCalls, precomputedRequests, signedLive };
}

runAsLoadChild(import.meta.url, runIvrLoad);
