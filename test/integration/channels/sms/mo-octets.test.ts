/**
 * MOs whose octets are written out by hand, sent by the test SMSC as they are: the gateway must read the
 * bytes a handset sends (UCS2 big-endian, GSM septets, the concatenation UDH of TS 23.040 with an 8-bit or
 * a 16-bit reference), not merely what its own encoder would have written. Each one asks for the balance,
 * and the answer is read back by the test SMSC's codec written from the specifications.
 */
import { startSmsRig, stopSmsRig } from '../../../helpers/sms-rig.js';
import { expect } from 'chai';
import type { SmsChannel } from '../../../../src/channels/sms/index.js';
import { type Harness, newMsisdn } from '../../../helpers/harness.js';
import { waitFor } from '../../../helpers/ledger.js';
import type { TestSmsc } from '../../../helpers/smsc.js';

const octets = (...bytes: number[]) => Buffer.from(bytes);
/** The answer to a balance query on a wallet holding ¥123.45, written out. */
const BALANCE_REPLY = '余额¥123.45,可用¥123.45。';

describe('SMS MOs from hand-written octets (real SMSC simulator, queue and ledger)', function () {
  this.timeout(60_000);
  let smsc: TestSmsc;
  let h: Harness;
  let sms: SmsChannel;

  before(async () => {
    ({ smsc, h, sms } = await startSmsRig());
  });
  after(() => stopSmsRig({ smsc, h, sms }, { balanced: true }));

  const to = (msisdn: string) => smsc.messages.filter((m) => m.destination === msisdn);

  /**
   * Waits until every MO from `msisdn` is processed and every SMS owed to it (replies and notifications)
   * has reached the phone; returns what it received in all, as [data_coding, text].
   */
  async function settled(msisdn: string): Promise<Array<[number, string]>> {
    const owed = async () => ({
      unprocessed: await h.db('sms_mo').where({ msisdn }).whereNot({ status: 'processed' }).select('id'),
      unrelayed: await h.db('outbox').where({ msisdn }).whereNull('relayed_at').select('id'),
      queued: await h.db('sms_mt').where({ msisdn, status: 'queued' }).select('job_id'),
    });
    try {
      await waitFor(async () => {
        const { unprocessed, unrelayed, queued } = await owed();
        return unprocessed.length + unrelayed.length + queued.length === 0;
      }, 30_000);
    } catch (err) {
      throw new Error(`SMS for ${msisdn} not settled: ${JSON.stringify(await owed())} (${err})`);
    }
    const sent = Number((await h.db('sms_mt').where({ msisdn }).count('* as n').first())?.n);
    await waitFor(async () => to(msisdn).length >= sent, 20_000);
    return to(msisdn).map((m) => [m.dataCoding, m.text]);
  }

  /** A wallet holding ¥123.45 whose opening SMS have all arrived; resolves with how many there were. */
  async function wallet(): Promise<{ user: string; before: number }> {
    const user = await h.openWallet(newMsisdn(), 12_345n);
    return { user, before: (await settled(user)).length };
  }

  /** The MOs' rows once stored: how many arrived whole or as parts. */
  const moRows = async (msisdn: string) =>
    Number((await h.db('sms_mo').where({ msisdn }).count('* as n').first())?.n);

  it('deliver_sm data_coding 8 with octets 4F 59 98 9D (余额) – the gateway answers with the balance', async () => {
    const { user, before } = await wallet();
    const answer = await smsc.moOctets(user, octets(0x4f, 0x59, 0x98, 0x9d), { coding: 8 });
    expect(answer).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0 });
    expect(await moRows(user)).to.equal(1);
    expect((await settled(user)).slice(before)).to.deep.equal([[8, BALANCE_REPLY]]);
  });

  it('deliver_sm data_coding 0 with septets 59 45 (YE) – the gateway answers with the balance', async () => {
    const { user, before } = await wallet();
    const answer = await smsc.moOctets(user, octets(0x59, 0x45), { coding: 0 });
    expect(answer).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0 });
    expect((await settled(user)).slice(before)).to.deep.equal([[8, BALANCE_REPLY]]);
  });

  it('余额 in two parts behind UDH 05 00 03 2A 02 01 / 02 02 (8-bit reference) – joined, answered once with the balance', async () => {
    const { user, before } = await wallet();
    const first = octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x01, 0x4f, 0x59);
    const second = octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x02, 0x98, 0x9d);
    for (const part of [first, second])
      expect((await smsc.moOctets(user, part, { coding: 8, esmClass: 0x40 })).commandStatus).to.equal(0);
    expect(await moRows(user)).to.equal(2);
    expect((await settled(user)).slice(before)).to.deep.equal([[8, BALANCE_REPLY]]);
  });

  it('余额 in two parts behind UDH 06 08 04 BE EF 02 02 / 02 01 (16-bit reference, last part first) – joined, answered once with the balance', async () => {
    const { user, before } = await wallet();
    const second = octets(0x06, 0x08, 0x04, 0xbe, 0xef, 0x02, 0x02, 0x98, 0x9d);
    const first = octets(0x06, 0x08, 0x04, 0xbe, 0xef, 0x02, 0x01, 0x4f, 0x59);
    for (const part of [second, first])
      expect((await smsc.moOctets(user, part, { coding: 8, esmClass: 0x40 })).commandStatus).to.equal(0);
    expect(await moRows(user)).to.equal(2);
    expect((await settled(user)).slice(before)).to.deep.equal([[8, BALANCE_REPLY]]);
  });

  it('deliver_sm with message_payload 4F 59 98 9D and short_message empty – the gateway answers with the balance', async () => {
    const { user, before } = await wallet();
    const answer = await smsc.moOctets(user, octets(0x4f, 0x59, 0x98, 0x9d), { coding: 8, payload: true });
    expect(answer.commandStatus).to.equal(0);
    expect((await settled(user)).slice(before)).to.deep.equal([[8, BALANCE_REPLY]]);
  });
});
