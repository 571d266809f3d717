/**
 * USSD dialogs over SMPP against the test SMSC playing the USSD centre (a real SMPP server from the
 * `smpp` package, its PDUs built by that package): a tiny scripted menu stands in for the session runtime.
 */
import { once } from 'node:events';
import { expect } from 'chai';
import { type SmsChannel, startSmsChannel } from '../../../../src/channels/sms/index.js';
import { SmppLink } from '../../../../src/channels/smpp/smpp.link.js';
import { type UssdStep, type UssdStepHandler, UssdSmppDialogs } from '../../../../src/channels/ussd/index.js';
import { createHarness, type Harness, newMsisdn } from '../../../helpers/harness.js';
import { smsSettled } from '../../../helpers/sms-settled.js';
import { startTestSmsc, type TestSmsc } from '../../../helpers/smsc.js';

const USER = '8613800138000';
const SERVICE_CODE = '*1065#';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** its_session_info with the end bit (bit 0 of the second octet) set. */
const ended = (hex: string) => {
  const info = Buffer.from(hex, 'hex');
  info[1] |= 0x01;
  return info.toString('hex');
};

/** begin → the menu (in Chinese when dialled `*1065*2#`); `1` → END balance; `2` → END bye; else the menu. */
const menu: UssdStepHandler = async (step) => {
  if (step.kind === 'end') return null;
  if (step.kind === 'continue' && step.text === '1') return { text: 'balance ¥1.00', final: true };
  if (step.kind === 'continue' && step.text === '2') return { text: '再见', final: true };
  return { text: step.text === '*1065*2#' ? '1 余额 2 退出' : '1 balance 2 exit', final: false };
};

describe('USSD over SMPP – dialogs', function () {
  this.timeout(20_000);
  let smsc: TestSmsc;
  let link: SmppLink;
  let dialogs: UssdSmppDialogs;
  let steps: UssdStep[];
  /** What the menu does next, replaced by tests that hold a step open or fail it. */
  let handler: UssdStepHandler;

  beforeEach(async () => {
    smsc = await startTestSmsc();
    link = new SmppLink({
      url: smsc.smppUrl,
      reconnect: { initialMs: 20, maxMs: 200 },
      responseTimeoutMs: 5_000,
    });
    steps = [];
    handler = menu;
    dialogs = new UssdSmppDialogs({
      endpoint: link,
      handler: async (step) => {
        steps.push(step);
        return handler(step);
      },
    });
    dialogs.start();
    await link.start();
  });

  afterEach(async () => {
    await link.stop();
    await smsc.close();
  });

  const of = (step: UssdStep) => `${step.kind} ${JSON.stringify(step.text)}`;

  it('a dialog – begin gets a CON screen (op 2), `1` the END screen (op 17, end bit); session info echoed', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    expect(dial.answer).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0 });
    const [menuScreen] = await smsc.waitForUssd(1);
    expect(await smsc.replyUssd(USER, dial.sessionInfo, '1')).to.deep.equal({
      command: 'deliver_sm_resp',
      commandStatus: 0,
    });
    const [, last] = await smsc.waitForUssd(2);
    await dialogs.drained();

    const common = {
      serviceType: 'USSD',
      source: SERVICE_CODE,
      destination: USER,
      destTon: 1,
      destNpi: 1,
      esmClass: 0,
      registeredDelivery: 0,
    };
    expect(menuScreen).to.deep.include({
      ...common,
      op: 2,
      sessionInfo: dial.sessionInfo,
      end: false,
      dataCoding: 0,
      text: '1 balance 2 exit',
    });
    expect(last).to.deep.include({
      ...common,
      op: 17,
      sessionInfo: ended(dial.sessionInfo),
      end: true,
      // ¥ is a GSM character: a USSD page is counted in GSM characters (§4), so it goes as data_coding 0.
      dataCoding: 0,
      text: 'balance ¥1.00',
    });
    expect(smsc.ussdSubmits).to.have.length(2);
    expect(smsc.submits).to.deep.equal([]);

    const [begin, answer] = steps;
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "1"']);
    expect(begin.dialog).to.match(new RegExp(`^${USER}:${dial.sessionInfo}:[0-9a-f]{8}$`));
    expect(answer.dialog).to.equal(begin.dialog);
    expect([begin.requestKey, answer.requestKey]).to.deep.equal([`${begin.dialog}:1`, `${begin.dialog}:2`]);
    expect(begin).to.include({ msisdn: USER, session: link.liveSessions()[0] });
  });

  it('Chinese screens – data_coding 8, the text read back; a national MSISDN is normalized', async () => {
    const dial = await smsc.dialUssd('13800138000', '*1065*2#');
    await smsc.waitForUssd(1);
    await smsc.replyUssd('13800138000', dial.sessionInfo, '2');
    const screens = await smsc.waitForUssd(2);
    await dialogs.drained();
    expect(screens.map((s) => [s.op, s.dataCoding, s.end, s.destination, s.source, s.text])).to.deep.equal([
      [2, 8, false, USER, '*1065*2#', '1 余额 2 退出'],
      [17, 8, true, USER, '*1065*2#', '再见'],
    ]);
    expect(steps.map((s) => s.msisdn)).to.deep.equal([USER, USER]);
  });

  it('the user aborts (op 18, end bit) – the handler gets `end`, nothing is sent', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    await smsc.waitForUssd(1);
    expect((await smsc.endUssd(USER, dial.sessionInfo)).commandStatus).to.equal(0);
    await dialogs.drained();
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'end ""']);
    expect(steps[1].dialog).to.equal(steps[0].dialog);
    expect(smsc.ussdSubmits.map((s) => s.op)).to.deep.equal([2]);
  });

  it('two users with the same its_session_info – two dialogs; a new dial – a new dialog', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    await smsc.replyUssd('8613900139000', dial.sessionInfo, '9');
    await smsc.replyUssd(USER, dial.sessionInfo, '9');
    await smsc.waitForUssd(3);
    await dialogs.drained();
    const [first, stranger, again] = steps;
    expect(stranger.dialog).to.not.equal(first.dialog);
    expect(stranger.requestKey).to.equal(`${stranger.dialog}:1`);
    expect(again.dialog).to.equal(first.dialog);
    const second = await smsc.dialUssd(USER, SERVICE_CODE);
    await dialogs.drained();
    expect(steps[3].dialog).to.not.equal(first.dialog);
    expect(steps[3].dialog.startsWith(`${USER}:${second.sessionInfo}:`)).to.equal(true);
  });

  it('per dialog – one PDU at a time in arrival order, other dialogs meanwhile go on', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    await smsc.waitForUssd(1);
    const held = deferred();
    const reached = deferred();
    handler = async (step) => {
      if (step.text === '7') {
        reached.resolve();
        await held.promise;
      }
      return menu(step);
    };
    const seven = smsc.replyUssd(USER, dial.sessionInfo, '7');
    await reached.promise;
    const eight = smsc.replyUssd(USER, dial.sessionInfo, '8');
    // Another user's whole dialog runs while this one's `7` is held.
    const other = await smsc.dialUssd('8613900139000', SERVICE_CODE);
    expect(other.answer.commandStatus).to.equal(0);
    await smsc.waitForUssd(2);
    // A full round trip through the link after `8`: it has arrived, yet not reached the handler.
    await smsc.enquireLink();
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "7"', 'begin "*1065#"']);
    held.resolve();
    expect((await seven).commandStatus).to.equal(0);
    expect((await eight).commandStatus).to.equal(0);
    await dialogs.drained();
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "7"', 'begin "*1065#"', 'continue "8"']);
  });

  it('a resend (our deliver_sm_resp lost with the connection) – the handler runs once, the screen goes out once', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    await smsc.waitForUssd(1);
    const held = deferred();
    const reached = deferred();
    handler = async (step) => {
      if (step.text === '1') {
        reached.resolve();
        await held.promise;
      }
      return menu(step);
    };
    const first = smsc.replyUssd(USER, dial.sessionInfo, '1').then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await reached.promise;
    const down = once(link, 'unbound');
    smsc.dropConnections();
    expect(await first).to.equal('the ESME connection closed before answering deliver_sm');
    await down;
    await link.whenBound(5_000);
    // The SMSC never had a response: it delivers the same PDU again, on the new bind.
    const resent = smsc.replyUssd(USER, dial.sessionInfo, '1');
    await smsc.enquireLink();
    held.resolve();
    expect((await resent).commandStatus).to.equal(0);
    await smsc.waitForUssd(2);
    await dialogs.drained();
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "1"']);
    expect(smsc.ussdSubmits.map((s) => [s.op, s.end, s.text])).to.deep.equal([
      [2, false, '1 balance 2 exit'],
      [17, true, 'balance ¥1.00'],
    ]);
  });

  it('the same answer twice on a live connection – the user repeating, two steps', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    await smsc.replyUssd(USER, dial.sessionInfo, '5');
    await smsc.replyUssd(USER, dial.sessionInfo, '5');
    await smsc.waitForUssd(3);
    await dialogs.drained();
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "5"', 'continue "5"']);
    expect(steps.map((s) => s.requestKey.slice(-2))).to.deep.equal([':1', ':2', ':3']);
  });

  it('the handler rejects – ESME_RX_T_APPN, no screen; the redelivery runs it again under the same requestKey', async () => {
    const dial = await smsc.dialUssd(USER, SERVICE_CODE);
    await smsc.waitForUssd(1);
    let fail = true;
    handler = async (step) => {
      if (fail) {
        fail = false;
        throw new Error('session store down');
      }
      return menu(step);
    };
    expect((await smsc.replyUssd(USER, dial.sessionInfo, '1')).commandStatus).to.equal(0x64);
    expect((await smsc.replyUssd(USER, dial.sessionInfo, '1')).commandStatus).to.equal(0);
    await smsc.waitForUssd(2);
    await dialogs.drained();
    expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "1"', 'continue "1"']);
    expect(steps[2].requestKey).to.equal(steps[1].requestKey);
    expect(smsc.ussdSubmits.map((s) => s.op)).to.deep.equal([2, 17]);
  });

  it('a USSD PDU of an op the table lacks – ESME_RX_P_APPN, the handler not called', async () => {
    const answer = await smsc.send('deliver_sm', {
      service_type: 'USSD',
      source_addr: USER,
      destination_addr: SERVICE_CODE,
      short_message: Buffer.from('x'),
      ussd_service_op: 0x20,
      its_session_info: Buffer.from([0x00, 0x02]),
    });
    expect(answer.commandStatus).to.equal(0x65);
    await dialogs.drained();
    expect(steps).to.deep.equal([]);
  });

  describe('with the SMS channel on the same bind', () => {
    let h: Harness;
    let sms: SmsChannel;

    beforeEach(async () => {
      await link.stop();
      link = new SmppLink({ url: smsc.smppUrl, reconnect: { initialMs: 20, maxMs: 200 } });
      dialogs = new UssdSmppDialogs({
        endpoint: link,
        handler: async (step) => {
          steps.push(step);
          return menu(step);
        },
      });
      dialogs.start();
      h = await createHarness({ smppUrl: smsc.smppUrl, smppTps: 1000 });
      sms = await startSmsChannel(h, { link, sweepEveryMs: 3_600_000 });
      await smsc.waitForBind(1, 10_000);
    });

    afterEach(async () => {
      await sms.stop();
      await h.close();
    });

    it('a USSD dialog – never an sms_mo row, never an SMS; an SMS on the same bind is still one', async () => {
      const user = newMsisdn();
      const dial = await smsc.dialUssd(user, SERVICE_CODE);
      await smsc.replyUssd(user, dial.sessionInfo, '1');
      await smsc.waitForUssd(2);
      await dialogs.drained();
      // The SMS channel stores an MO before its deliver_sm_resp: had it taken one, the row would be there.
      expect(await h.db('sms_mo').where({ msisdn: user })).to.deep.equal([]);
      await smsSettled({ db: h.db, queues: [sms.outbound, sms.inbound.queue, ...h.bus.allQueues], smsc }, [
        user,
      ]);
      expect(smsc.messages.filter((m) => m.destination === user)).to.deep.equal([]);
      expect(steps.map(of)).to.deep.equal(['begin "*1065#"', 'continue "1"']);

      expect((await smsc.mo(user, 'BZ')).commandStatus).to.equal(0);
      expect(await h.db('sms_mo').where({ msisdn: user }).select('msisdn')).to.deep.equal([{ msisdn: user }]);
    });
  });
});
