/**
 * The SMS channel and USSD on one bind, with no USSD handler registered (USSD not served on this
 * gateway): a USSD deliver_sm is refused ESME_RX_P_APPN and never becomes an MO or a reply.
 */
import { expect } from 'chai';
import type { SmsChannel } from '../../../../src/channels/sms/index.js';
import { type Harness, newMsisdn } from '../../../helpers/harness.js';
import { startSmsRig, stopSmsRig } from '../../../helpers/sms-rig.js';
import { smsSettled } from '../../../helpers/sms-settled.js';
import type { TestSmsc } from '../../../helpers/smsc.js';

describe('SMS channel – a USSD deliver_sm on its bind', function () {
  this.timeout(30_000);
  let smsc: TestSmsc;
  let h: Harness;
  let sms: SmsChannel;

  before(async () => {
    ({ smsc, h, sms } = await startSmsRig());
  });
  after(() => stopSmsRig({ smsc, h, sms }));

  const settle = (msisdn: string) =>
    smsSettled({ db: h.db, queues: [sms.outbound, sms.inbound.queue, ...h.bus.allQueues], smsc }, [msisdn]);

  it('when no USSD handler is registered – ESME_RX_P_APPN, no sms_mo row, no SMS reply', async () => {
    const user = newMsisdn();
    const dial = await smsc.dialUssd(user, '*1065#');
    expect(dial.answer).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0x65 });
    expect((await smsc.replyUssd(user, dial.sessionInfo, 'YE')).commandStatus).to.equal(0x65);
    // An MO is stored before its deliver_sm_resp: had the channel taken these, their rows would be in.
    expect(await h.db('sms_mo').where({ msisdn: user })).to.deep.equal([]);
    await settle(user);
    expect(smsc.messages.filter((m) => m.destination === user)).to.deep.equal([]);
    expect(smsc.ussdSubmits).to.deep.equal([]);
  });

  it('the same text as an SMS – is an MO and gets its reply', async () => {
    const user = newMsisdn();
    expect((await smsc.mo(user, 'BZ')).commandStatus).to.equal(0);
    expect(await h.db('sms_mo').where({ msisdn: user }).select('msisdn')).to.deep.equal([{ msisdn: user }]);
    await settle(user);
    expect(smsc.messages.filter((m) => m.destination === user)).to.have.length(1);
  });
});
