/**
 * The SMS channel tests' rig: the test SMSC, a harness bound to it, and the SMS channel over the link
 * (its sweep left to the tests). Stopped in reverse order, checking the ledger balanced when asked.
 */
import { type SmsChannel, startSmsChannel } from '../../src/channels/sms/index.js';
import type { Config } from '../../src/config/index.js';
import { createHarness, type Harness } from './harness.js';
import { expectBalanced } from './ledger.js';
import { startTestSmsc, type TestSmsc } from './smsc.js';

export interface SmsRig {
  smsc: TestSmsc;
  h: Harness;
  sms: SmsChannel;
}

export async function startSmsRig(overrides: Partial<Config> = {}): Promise<SmsRig> {
  const smsc = await startTestSmsc();
  const h = await createHarness({ smppUrl: smsc.smppUrl, smppTps: 1000, ...overrides });
  const sms = await startSmsChannel(h, { sweepEveryMs: 3_600_000 });
  await smsc.waitForBind(1, 10_000);
  return { smsc, h, sms };
}

export async function stopSmsRig(rig: Partial<SmsRig>, options: { balanced?: boolean } = {}): Promise<void> {
  await rig.sms?.stop();
  if (options.balanced && rig.h) await expectBalanced(rig.h);
  await rig.h?.close();
  await rig.smsc?.close();
}
