/**
 * USSD over SMPP against the real queue and ledger: the test SMSC plays the USSD centre, the gateway's
 * link binds to it, and the registered `ussd-smpp` adapter steps the callers' menu sessions. `dial` and
 * `answer` return the exact screen the centre received (`CON `/`END ` after its op and end bit).
 */
import { ussdSmppChannel } from '../../src/channels/ussd/index.js';
import { SmppLink } from '../../src/channels/smpp/smpp.link.js';
import type { ChannelAdapter } from '../../src/channels/index.js';
import type { Config } from '../../src/config/index.js';
import { channelDepsOf } from './channel-rig.js';
import { createHarness, type Harness } from './harness.js';
import { expectBalanced } from './ledger.js';
import { startTestSmsc, type TestSmsc } from './smsc.js';

export interface UssdSmppRig {
  h: Harness;
  smsc: TestSmsc;
  /** Dials: the dialog's its_session_info and the first screen. */
  dial(msisdn: string): Promise<{ dialog: string; screen: string }>;
  /** Answers the open dialog: the next screen. */
  answer(msisdn: string, dialog: string, text: string): Promise<string>;
  close(): Promise<void>;
}

/** What the centre received, as a USSD gateway's HTTP body would read: `CON …` or `END …`. */
const shown = (s: { op: number | null; end: boolean; text: string }) =>
  `${s.op === 17 && s.end ? 'END' : s.op === 2 && !s.end ? 'CON' : `op ${s.op} end ${s.end}`} ${s.text}`;

export async function startUssdSmppRig(overrides: Partial<Config> = {}): Promise<UssdSmppRig> {
  const smsc = await startTestSmsc();
  const h = await createHarness({ smppUrl: smsc.smppUrl, ...overrides });
  const link = new SmppLink({ url: smsc.smppUrl, reconnect: { initialMs: 20, maxMs: 200 } });
  const deps = { ...channelDepsOf(h), smpp: () => link };
  const adapter = (await ussdSmppChannel.create(deps)) as ChannelAdapter;
  await link.start();
  await smsc.waitForBind(1, 10_000);
  const next = async (send: () => Promise<unknown>) => {
    const seen = smsc.ussdSubmits.length;
    await send();
    return shown((await smsc.waitForUssd(seen + 1, 20_000))[seen]);
  };
  return {
    h,
    smsc,
    async dial(msisdn) {
      let dialog = '';
      const screen = await next(async () => {
        dialog = (await smsc.dialUssd(msisdn, h.config.ussdServiceCode)).sessionInfo;
      });
      return { dialog, screen };
    },
    answer: (msisdn, dialog, text) => next(() => smsc.replyUssd(msisdn, dialog, text)),
    async close() {
      await adapter.stop?.();
      await link.stop();
      await expectBalanced(h);
      await h.close();
      await smsc.close();
    },
  };
}
