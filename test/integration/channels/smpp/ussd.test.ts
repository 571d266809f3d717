/**
 * The link's USSD side against the test SMSC playing a USSD centre: USSD deliver_sm reach `onUssd`, never
 * `onDeliver`; `submitUssd` sends one submit_sm that the SMSC keeps apart from its SMS.
 */
import { once } from 'node:events';
import { expect } from 'chai';
import { SmppSubmitError } from '../../../../src/channels/smpp/smpp.errors.js';
import {
  type InboundPdu,
  type InboundUssd,
  SmppLink,
  type SmppLinkOptions,
} from '../../../../src/channels/smpp/smpp.link.js';
import { SmppPool } from '../../../../src/channels/smpp/smpp.pool.js';
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

describe('SMPP link – USSD', () => {
  let smsc: TestSmsc;
  let links: Array<{ stop(): Promise<void> }> = [];

  beforeEach(async () => {
    smsc = await startTestSmsc({ autoDlrMs: 0 });
  });

  afterEach(async () => {
    await Promise.all(links.map((l) => l.stop()));
    links = [];
    await smsc.close();
  });

  async function bound(options: Partial<SmppLinkOptions> = {}): Promise<SmppLink> {
    const link = new SmppLink({
      url: smsc.smppUrl,
      reconnect: { initialMs: 20, maxMs: 200 },
      responseTimeoutMs: 5_000,
      ...options,
    });
    links.push(link);
    await link.start();
    expect(link.bound).to.equal(true);
    return link;
  }

  describe('deliver_sm', () => {
    it('service_type USSD – reaches onUssd with its TLVs, never onDeliver; `responded` gives the status sent', async () => {
      const link = await bound();
      const sms: InboundPdu[] = [];
      const ussd: InboundUssd[] = [];
      link.onDeliver(async (pdu) => {
        sms.push(pdu);
      });
      link.onUssd(async (pdu) => {
        ussd.push(pdu);
      });
      const dial = await smsc.dialUssd(USER, SERVICE_CODE);
      expect(dial.answer).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0 });
      expect(sms).to.deep.equal([]);
      expect(ussd).to.have.length(1);
      const [pdu] = ussd;
      expect(pdu).to.include({
        source: USER,
        destination: SERVICE_CODE,
        text: SERVICE_CODE,
        serviceType: 'USSD',
      });
      expect(pdu.ussd.serviceOp).to.equal(1);
      expect(Buffer.isBuffer(pdu.ussd.sessionInfo)).to.equal(true);
      expect(pdu.ussd.sessionInfo?.toString('hex')).to.equal(dial.sessionInfo);
      expect(await pdu.responded).to.equal(0);
    });

    it('a ussd_service_op TLV without service_type – is USSD too', async () => {
      const link = await bound();
      const seen: string[] = [];
      link.onDeliver(async () => {
        seen.push('sms');
      });
      link.onUssd(async (pdu) => {
        seen.push(
          `ussd op ${pdu.ussd.serviceOp} info ${pdu.ussd.sessionInfo?.toString('hex')} text ${pdu.text}`,
        );
      });
      const answer = await smsc.send('deliver_sm', {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: USER,
        destination_addr: SERVICE_CODE,
        short_message: Buffer.from('2'),
        ussd_service_op: 18,
        its_session_info: Buffer.from([0x02, 0x46]),
      });
      expect(answer.commandStatus).to.equal(0);
      expect(seen).to.deep.equal(['ussd op 18 info 0246 text 2']);
    });

    it('when no USSD handler is registered – ESME_RX_P_APPN (0x65), and the SMS handler never sees it', async () => {
      const link = await bound();
      const sms: InboundPdu[] = [];
      link.onDeliver(async (pdu) => {
        sms.push(pdu);
      });
      const dial = await smsc.dialUssd(USER, SERVICE_CODE);
      expect(dial.answer).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0x65 });
      expect(await smsc.replyUssd(USER, dial.sessionInfo, '1')).to.deep.equal({
        command: 'deliver_sm_resp',
        commandStatus: 0x65,
      });
      expect(sms).to.deep.equal([]);
      // SMS still flow through the same bind.
      expect((await smsc.mo(USER, 'YE')).commandStatus).to.equal(0);
      expect(sms.map((p) => p.text)).to.deep.equal(['YE']);
    });

    it('when the handler rejects – ESME_RX_T_APPN (0x64), `responded` says so', async () => {
      const link = await bound();
      let responded: Promise<number | null> | null = null;
      link.onUssd(async (pdu) => {
        responded = pdu.responded;
        throw new Error('session store down');
      });
      expect((await smsc.dialUssd(USER, SERVICE_CODE)).answer.commandStatus).to.equal(0x64);
      expect(await responded).to.equal(0x64);
    });

    it('when the connection drops before the response – `responded` settles null (the SMSC will resend)', async () => {
      const link = await bound();
      const called = deferred<InboundUssd>();
      const release = deferred();
      link.onUssd(async (pdu) => {
        called.resolve(pdu);
        await release.promise;
      });
      const dial = smsc.dialUssd(USER, SERVICE_CODE).then(
        () => 'answered',
        (err: Error) => err.message,
      );
      const pdu = await called.promise;
      const down = once(link, 'unbound');
      smsc.dropConnections();
      expect(await dial).to.equal('the ESME connection closed before answering deliver_sm');
      await down;
      release.resolve();
      expect(await pdu.responded).to.equal(null);
    });
  });

  describe('submitUssd', () => {
    it('ASCII, wanting input – one submit_sm: service_type USSD, the TLVs, data_coding 0, registered_delivery 0', async () => {
      const link = await bound();
      const sent = await link.submitUssd({
        destination: '13800138000',
        source: SERVICE_CODE,
        text: '1 balance 2 exit',
        op: 2,
        sessionInfo: Buffer.from([0x12, 0x34]),
      });
      const [screen] = await smsc.waitForUssd(1);
      expect(sent).to.deep.equal({ messageId: screen.messageId, session: link.liveSessions()[0] });
      expect(screen).to.deep.include({
        serviceType: 'USSD',
        source: SERVICE_CODE,
        destination: USER,
        destTon: 1,
        destNpi: 1,
        esmClass: 0,
        dataCoding: 0,
        registeredDelivery: 0,
        op: 2,
        sessionInfo: '1234',
        end: false,
        text: '1 balance 2 exit',
      });
    });

    it('Chinese, the last screen – data_coding 8, op 17, end bit; never an SMS, never a receipt', async () => {
      const link = await bound();
      const receipts: string[] = [];
      smsc.on('receipt', (id) => receipts.push(id));
      await link.submitUssd({
        destination: USER,
        text: '余额 ¥1.00',
        op: 17,
        sessionInfo: Buffer.from([0x12, 0x35]),
      });
      const [screen] = await smsc.waitForUssd(1);
      expect(screen).to.deep.include({
        dataCoding: 8,
        op: 17,
        sessionInfo: '1235',
        end: true,
        text: '余额 ¥1.00',
      });
      // An SMS after it gets its receipt (autoDlrMs 0): had the screen been given one, it would have come first.
      const { messageIds } = await link.submit({ source: '10658888', destination: USER, text: 'YE' });
      await new Promise<void>((resolve) => smsc.once('receipt', () => resolve()));
      expect(receipts).to.deep.equal(messageIds);
      expect(smsc.submits.map((s) => s.text)).to.deep.equal(['YE']);
      expect(smsc.messages.map((m) => m.text)).to.deep.equal(['YE']);
    });

    it('a text longer than one USSD string – too_long, not retryable, nothing sent', async () => {
      const link = await bound();
      const err = await link
        .submitUssd({ destination: USER, text: '额'.repeat(81), op: 17, sessionInfo: Buffer.from([0, 2]) })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(SmppSubmitError);
      expect(err).to.include({ reason: 'too_long', retryable: false });
      await smsc.enquireLink();
      expect(smsc.received.map((p) => p.command)).to.not.include('submit_sm');
    });

    it('when the link is not bound – not_bound, retryable', async () => {
      const link = new SmppLink({
        url: smsc.smppUrl.replace(':secret@', ':wrong@'),
        reconnect: { initialMs: 1_000 },
      });
      links.push(link);
      await link.start();
      const err = await link
        .submitUssd({ destination: USER, text: 'x', op: 2, sessionInfo: Buffer.from([0, 2]) })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.include({ reason: 'not_bound', retryable: true });
    });

    it('SmppPool – a screen goes back on the bind its dialog came in on', async () => {
      const pool = new SmppPool({ url: smsc.smppUrl, binds: 2, reconnect: { initialMs: 20, maxMs: 200 } });
      links.push(pool);
      const dialogs: InboundUssd[] = [];
      pool.onUssd(async (pdu) => {
        dialogs.push(pdu);
      });
      await pool.start();
      await smsc.waitForBind(2);
      const session = smsc.received.find((p) => p.command === 'bind_transceiver')?.session as number;
      for (const n of [1, 2, 3]) await smsc.dialUssd(`861380013800${n}`, SERVICE_CODE, { session });
      for (const pdu of dialogs) {
        const info = pdu.ussd.sessionInfo as Buffer;
        await pool.submitUssd({
          destination: pdu.source,
          text: 'hi',
          op: 2,
          sessionInfo: info,
          session: pdu.session,
        });
      }
      const screens = await smsc.waitForUssd(3);
      expect(screens.map((s) => s.session)).to.deep.equal([session, session, session]);
    });
  });
});
