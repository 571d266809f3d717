import { once } from 'node:events';
import { expect } from 'chai';
import { sameMessageId } from '../../../../src/channels/smpp/smpp.codec.js';
import { SmppSubmitError } from '../../../../src/channels/smpp/smpp.errors.js';
import { type InboundPdu, SmppLink, type SmppLinkOptions } from '../../../../src/channels/smpp/smpp.link.js';
import { SmppPool } from '../../../../src/channels/smpp/smpp.pool.js';
import { startTestSmsc, type TestSmsc } from '../../../helpers/smsc.js';

const SHORT_CODE = '10658888';
const USER = '8613800138000';

/** A 16-byte header (plus body) as raw bytes, for what the `smpp` package would refuse to write. */
function rawPdu(commandLength: number, commandId: number, sequence: number, body = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(commandLength, 0);
  header.writeUInt32BE(commandId, 4);
  header.writeUInt32BE(0, 8);
  header.writeUInt32BE(sequence, 12);
  return Buffer.concat([header, body]);
}

async function rejection(work: Promise<unknown>): Promise<SmppSubmitError> {
  try {
    await work;
  } catch (err) {
    expect(err).to.be.instanceOf(SmppSubmitError);
    return err as SmppSubmitError;
  }
  throw new Error('expected the submit to fail');
}

/** A promise and the functions that settle it, for handlers the test holds open. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SMPP link – against the test SMSC', () => {
  let smsc: TestSmsc;
  let links: Array<{ stop(): Promise<void> }> = [];

  beforeEach(async () => {
    smsc = await startTestSmsc();
  });

  afterEach(async () => {
    await Promise.all(links.map((l) => l.stop()));
    links = [];
    await smsc.close();
  });

  function link(options: Partial<SmppLinkOptions> = {}): SmppLink {
    const created = new SmppLink({
      url: smsc.smppUrl,
      reconnect: { initialMs: 20, maxMs: 200 },
      responseTimeoutMs: 5_000,
      ...options,
    });
    links.push(created);
    return created;
  }

  async function bound(options: Partial<SmppLinkOptions> = {}): Promise<SmppLink> {
    const created = link(options);
    await created.start();
    expect(created.bound).to.equal(true);
    return created;
  }

  describe('bind', () => {
    it('start – when the credentials are right – binds as transceiver; stop – sends unbind and closes', async () => {
      const esme = await bound();
      expect(esme.bound).to.equal(true);
      await smsc.waitForBind();
      expect(smsc.received.map((p) => p.command)).to.deep.equal(['bind_transceiver']);

      await esme.stop();
      expect(esme.bound).to.equal(false);
      expect(smsc.received.map((p) => p.command)).to.include('unbind');
      expect(smsc.boundCount).to.equal(0);
    });

    it('start – when the password is wrong – resolves unbound and keeps trying in the background', async () => {
      const esme = link({ url: smsc.smppUrl.replace(':secret@', ':wrong@') });
      const retried = smsc.nextPdu((p) => p.command === 'bind_transceiver');
      await esme.start();
      expect(esme.bound).to.equal(false);
      await retried;
      expect(esme.bound).to.equal(false);
      expect(esme.lastError).to.match(/ESME_RINVPASWD/);
    });

    it('start – when no SMSC listens yet – resolves unbound, then binds once one appears on that port', async () => {
      const port = smsc.port;
      await smsc.close();
      const esme = link({ url: `smpp://test:secret@127.0.0.1:${port}` });
      await esme.start();
      expect(esme.bound).to.equal(false);
      smsc = await startTestSmsc({}, port);
      await esme.whenBound(5_000);
      expect(esme.bound).to.equal(true);
    });

    it('submit – when the link is not bound – fails at once, retryable', async () => {
      const esme = link({ url: smsc.smppUrl.replace(':secret@', ':wrong@') });
      await esme.start();
      const err = await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'YE' }));
      expect(err).to.include({ reason: 'not_bound', retryable: true, throttled: false });
    });
  });

  describe('submit', () => {
    it('when the text is ASCII – data_coding 0, registered_delivery 1, short code TON 3, MSISDN international', async () => {
      const esme = await bound();
      const sent = await esme.submit({
        source: SHORT_CODE,
        destination: '+8613800138000',
        text: 'Balance 12.50 @ {ok}',
      });
      const [submit] = await smsc.waitForSubmits(1);
      expect(submit).to.include({
        dataCoding: 0,
        registeredDelivery: 1,
        source: SHORT_CODE,
        sourceTon: 3,
        sourceNpi: 0,
        destination: USER,
        destTon: 1,
        destNpi: 1,
        text: 'Balance 12.50 @ {ok}',
        esmClass: 0,
      });
      expect(sent).to.deep.equal({ messageIds: [submit.messageId], parts: 1 });
    });

    it('when the text is Chinese – data_coding 8; registeredDelivery false – registered_delivery 0', async () => {
      const esme = await bound();
      await esme.submit({
        source: SHORT_CODE,
        destination: '13800138000',
        text: '余额：12.50元',
        registeredDelivery: false,
      });
      const [submit] = await smsc.waitForSubmits(1);
      expect(submit).to.include({
        dataCoding: 8,
        text: '余额：12.50元',
        registeredDelivery: 0,
        destination: USER,
      });
    });

    it('when 300 Chinese characters – 5 concatenated parts with one reference that reassemble', async () => {
      const esme = await bound();
      const text = Array.from({ length: 300 }, (_, i) =>
        String.fromCharCode(0x4e00 + ((i * 37) % 2000)),
      ).join('');
      const sent = await esme.submit({ source: SHORT_CODE, destination: USER, text });
      expect(sent.parts).to.equal(5);
      const [message] = smsc.messages;
      expect(message.text).to.equal(text);
      expect(message.dataCoding).to.equal(8);
      expect(message.parts.map((p) => p.concat?.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(new Set(message.parts.map((p) => p.concat?.ref)).size).to.equal(1);
      expect(message.parts.every((p) => p.esmClass & 0x40)).to.equal(true);
      expect(sent.messageIds).to.deep.equal(message.parts.map((p) => p.messageId));
    });

    it('window – when the SMSC answers slowly – never more than windowSize outstanding, and all arrive', async () => {
      const esme = await bound({ windowSize: 3 });
      smsc.submitDelayMs = 50;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          esme.submit({ source: SHORT_CODE, destination: USER, text: `m${i}` }),
        ),
      );
      expect(results).to.have.length(12);
      expect(smsc.maxOutstanding).to.equal(3);
      // FIFO: callers beyond the window went out in the order they called.
      expect(smsc.submits.map((s) => s.text)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `m${i}`));
    });

    it('response timeout – when the SMSC does not answer – retryable error, then an enquire_link checks the link', async () => {
      const esme = await bound({ responseTimeoutMs: 300 });
      smsc.silentSubmits = true;
      const check = smsc.nextPdu((p) => p.command === 'enquire_link');
      const err = await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'YE' }));
      expect(err).to.include({ reason: 'timeout', retryable: true, throttled: false, commandStatus: null });
      await check;
      smsc.silentSubmits = false;
      await esme.submit({ source: SHORT_CODE, destination: USER, text: 'again' });
      // The check was answered: the same bind carried on.
      expect(esme.bound).to.equal(true);
      expect(smsc.received.filter((p) => p.command === 'bind_transceiver')).to.have.length(1);
    });

    it('dead link – when neither submits nor enquire_link are answered – drops it and binds again', async () => {
      const esme = await bound({ responseTimeoutMs: 300 });
      smsc.silentSubmits = true;
      smsc.answerEnquireLink = false;
      const down = once(esme, 'unbound');
      await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'YE' }));
      await down;
      smsc.silentSubmits = false;
      smsc.answerEnquireLink = true;
      await esme.whenBound(5_000);
      await esme.submit({ source: SHORT_CODE, destination: USER, text: 'after' });
      expect(smsc.received.filter((p) => p.command === 'bind_transceiver')).to.have.length(2);
    });

    it('ESME_RTHROTTLED – throws SmppSubmitError throttled and retryable; the next submit goes through', async () => {
      const esme = await bound();
      smsc.failNext(1);
      const err = await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'YE' }));
      expect(err).to.include({ commandStatus: 0x58, throttled: true, retryable: true, reason: 'rejected' });
      expect((await esme.submit({ source: SHORT_CODE, destination: USER, text: 'YE' })).parts).to.equal(1);
    });

    it('ESME_RINVDSTADR – not retryable, not throttled', async () => {
      const esme = await bound();
      smsc.failNext(1, 0x0b);
      const err = await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'YE' }));
      expect(err).to.include({ commandStatus: 0x0b, throttled: false, retryable: false });
    });

    it('a part failing after an earlier one was accepted – retryable, reports the accepted part, sends no more', async () => {
      const esme = await bound({ windowSize: 1 });
      smsc.failNext(1, 0x0b, 1);
      const err = await rejection(
        esme.submit({ source: SHORT_CODE, destination: USER, text: 'x'.repeat(400) }),
      );
      expect(err).to.include({ retryable: true, partsAccepted: 1, commandStatus: 0x0b });
      expect(err.messageIds).to.deep.equal([smsc.submits[0].messageId]);
      expect(smsc.submits).to.have.length(2); // the third part never left
    });
  });

  describe('lost link', () => {
    it('when the connection drops mid-run – the waiting submit fails retryable; the link binds again and later submits work', async () => {
      const esme = await bound();
      smsc.silentSubmits = true;
      const pending = esme.submit({ source: SHORT_CODE, destination: USER, text: 'lost' });
      await smsc.waitForSubmits(1);
      smsc.dropConnections();
      const err = await rejection(pending);
      expect(err).to.include({ reason: 'link_lost', retryable: true });
      smsc.silentSubmits = false;
      await esme.whenBound(5_000);
      const sent = await esme.submit({ source: SHORT_CODE, destination: USER, text: 'back' });
      expect(sent.parts).to.equal(1);
      expect(smsc.submits.at(-1)?.text).to.equal('back');
    });

    it('when the SMSC unbinds – answers unbind_resp and binds again', async () => {
      const esme = await bound();
      const down = once(esme, 'unbound');
      expect(await smsc.unbind()).to.deep.equal({ command: 'unbind_resp', commandStatus: 0 });
      await down;
      await esme.whenBound(5_000);
      await smsc.waitForBind();
    });
  });

  describe('keep-alive', () => {
    it('when idle for enquireLinkMs – sends enquire_link', async () => {
      await bound({ enquireLinkMs: 100 });
      const enquiry = await smsc.nextPdu((p) => p.command === 'enquire_link');
      expect(enquiry.commandStatus).to.equal(0);
    });

    it('when the SMSC sends enquire_link – answers it', async () => {
      await bound();
      expect(await smsc.enquireLink()).to.deep.equal({ command: 'enquire_link_resp', commandStatus: 0 });
    });
  });

  describe('deliver_sm', () => {
    it('the response – waits for the handler: none while it is pending, status 0 once it resolves', async () => {
      const esme = await bound();
      const called = deferred<InboundPdu>();
      const release = deferred();
      esme.onDeliver(async (pdu) => {
        called.resolve(pdu);
        await release.promise;
      });
      let answered = false;
      const mo = smsc.mo(USER, 'KT').then((r) => {
        answered = true;
        return r;
      });
      const pdu = await called.promise;
      expect(pdu).to.include({
        source: USER,
        destination: SHORT_CODE,
        text: 'KT',
        dataCoding: 0,
        receipt: null,
        udh: null,
      });
      // A full round trip through the link after the MO: it is alive and reading, yet has not answered.
      await smsc.enquireLink();
      expect(answered).to.equal(false);
      expect(smsc.received.map((p) => p.command)).to.not.include('deliver_sm_resp');
      release.resolve();
      expect(await mo).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0 });
      const order = smsc.received.map((p) => p.command);
      expect(order.indexOf('enquire_link_resp')).to.be.below(order.indexOf('deliver_sm_resp'));
    });

    it('when the handler rejects – answers ESME_RX_T_APPN (0x64) so the SMSC redelivers', async () => {
      const esme = await bound();
      esme.onDeliver(async () => {
        throw new Error('database down');
      });
      expect(await smsc.mo(USER, 'YE')).to.deep.equal({ command: 'deliver_sm_resp', commandStatus: 0x64 });
    });

    it('when the handler resolves with a number – answers with that status', async () => {
      const esme = await bound();
      esme.onDeliver(async () => 0x45);
      expect((await smsc.mo(USER, 'YE')).commandStatus).to.equal(0x45);
    });

    it('when no handler is registered – answers ESME_RX_T_APPN', async () => {
      await bound();
      expect((await smsc.mo(USER, 'YE')).commandStatus).to.equal(0x64);
    });

    it('the handler – gets UCS2 with a 16-bit UDH, Latin-1, and message_payload decoded', async () => {
      const esme = await bound();
      const seen: InboundPdu[] = [];
      esme.onDeliver(async (pdu) => {
        seen.push(pdu);
      });
      await smsc.mo(USER, '转账', { udh: { ref: 0x1234, total: 2, seq: 1 } });
      await smsc.mo(USER, 'Café', { coding: 3 });
      await smsc.mo(USER, '开通', { payload: true });
      expect(seen.map((p) => [p.text, p.dataCoding, p.udh])).to.deep.equal([
        ['转账', 8, { ref: 0x1234, total: 2, seq: 1 }],
        ['Café', 3, null],
        ['开通', 8, null],
      ]);
      expect(seen[0].esmClass & 0x40).to.equal(0x40);
      expect(seen[0].raw.shortMessage.startsWith('0608041234')).to.equal(true);
      expect(seen[2].raw.messagePayload).to.equal('5f00901a');
    });

    it('data_sm – reaches the handler like a deliver_sm and is answered with data_sm_resp', async () => {
      const esme = await bound();
      const seen: InboundPdu[] = [];
      esme.onDeliver(async (pdu) => {
        seen.push(pdu);
      });
      const answer = await smsc.send('data_sm', {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: USER,
        destination_addr: SHORT_CODE,
        data_coding: 8,
        message_payload: Buffer.from('余额', 'utf16le').swap16(),
      });
      expect(answer).to.deep.equal({ command: 'data_sm_resp', commandStatus: 0 });
      expect(seen.map((p) => [p.command, p.source, p.text])).to.deep.equal([['data_sm', USER, '余额']]);
    });

    it('a long MO – arrives as concatenated parts the handler can reassemble', async () => {
      const esme = await bound();
      const seen: InboundPdu[] = [];
      esme.onDeliver(async (pdu) => {
        seen.push(pdu);
      });
      const text = '我要转账给'.repeat(20);
      const results = await smsc.moParts(USER, text);
      expect(results.every((r) => r.commandStatus === 0)).to.equal(true);
      expect(seen).to.have.length(2);
      const joined = seen
        .sort((a, b) => (a.udh?.seq ?? 0) - (b.udh?.seq ?? 0))
        .map((p) => p.text)
        .join('');
      expect(joined).to.equal(text);
    });

    it('a delivery receipt – arrives as `receipt` naming the submitted id, even written in decimal', async () => {
      const esme = await bound();
      const seen: InboundPdu[] = [];
      esme.onDeliver(async (pdu) => {
        seen.push(pdu);
      });
      const { messageIds } = await esme.submit({
        source: SHORT_CODE,
        destination: USER,
        text: 'Your balance is 5.00',
      });
      await smsc.dlr(messageIds[0], { decimalId: true, tlv: false });
      await smsc.dlr(messageIds[0], { stat: 'UNDELIV', err: '012' });
      const [textForm, tlvForm] = seen.map((p) => p.receipt);
      expect(textForm?.state).to.equal('delivered');
      expect(textForm?.messageId).to.equal(BigInt(`0x${messageIds[0]}`).toString(10));
      expect(sameMessageId(textForm?.messageId ?? '', messageIds[0])).to.equal(true);
      expect(tlvForm).to.deep.equal({ messageId: messageIds[0], state: 'undeliverable', error: '012' });
      expect(seen[0]).to.include({ source: USER, destination: SHORT_CODE, esmClass: 0x04 });
    });
  });

  describe('malformed and unknown PDUs', () => {
    it('an unknown command id – generic_nack ESME_RINVCMDID with its sequence number; the link stays bound', async () => {
      const esme = await bound();
      esme.onDeliver(async () => undefined);
      const nack = smsc.nextPdu((p) => p.command === 'generic_nack');
      smsc.sendRaw(rawPdu(16, 0x00000777, 4242));
      expect(await nack).to.include({ commandStatus: 0x03, sequenceNumber: 4242 });
      expect(esme.bound).to.equal(true);
      expect((await smsc.mo(USER, 'YE')).commandStatus).to.equal(0);
    });

    it('a command_length below the header – generic_nack ESME_RINVCMDLEN; the link reads on', async () => {
      const esme = await bound();
      esme.onDeliver(async () => undefined);
      const nack = smsc.nextPdu((p) => p.command === 'generic_nack');
      smsc.sendRaw(rawPdu(8, 0x00000015, 77));
      expect(await nack).to.include({ commandStatus: 0x02, sequenceNumber: 77 });
      expect((await smsc.mo(USER, 'YE')).commandStatus).to.equal(0);
      await esme.submit({ source: SHORT_CODE, destination: USER, text: 'still here' });
      expect(esme.bound).to.equal(true);
    });

    it('a deliver_sm whose short_message overruns its length – generic_nack ESME_RINVCMDLEN, handler not called', async () => {
      const esme = await bound();
      let calls = 0;
      esme.onDeliver(async () => {
        calls++;
      });
      // service_type '', TONs, addresses, esm_class … data_coding, sm_default_msg_id, sm_length 50 but 2 octets
      const body = Buffer.concat([
        Buffer.from([0, 1, 1]),
        Buffer.from(`${USER}\0`),
        Buffer.from([0, 0]),
        Buffer.from(`${SHORT_CODE}\0`),
        Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 50]),
        Buffer.from('KT'),
      ]);
      const nack = smsc.nextPdu((p) => p.command === 'generic_nack');
      smsc.sendRaw(rawPdu(16 + body.length, 0x00000005, 99, body));
      expect(await nack).to.include({ commandStatus: 0x02, sequenceNumber: 99 });
      expect(calls).to.equal(0);
      expect(esme.bound).to.equal(true);
      expect((await smsc.mo(USER, 'YE')).commandStatus).to.equal(0);
      expect(calls).to.equal(1);
    });
  });

  describe('stop', () => {
    it('when a submit is outstanding – waits for its response, then unbinds', async () => {
      const esme = await bound();
      smsc.submitDelayMs = 200;
      const pending = esme.submit({ source: SHORT_CODE, destination: USER, text: 'last one' });
      await smsc.waitForSubmits(1);
      await esme.stop();
      expect((await pending).parts).to.equal(1);
      const order = smsc.received.map((p) => p.command);
      expect(order.slice(-2)).to.deep.equal(['submit_sm', 'unbind']);
      const err = await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'too late' }));
      expect(err.reason).to.equal('stopping');
    });
  });

  describe('metrics hooks', () => {
    it('report bind state, MO, MT parts, latency, throttling and receipts', async () => {
      const calls: string[] = [];
      const esme = await bound({
        name: 'bind-a',
        metrics: {
          bindState: (up, name) => calls.push(`bind:${up}:${name}`),
          moCount: () => calls.push('mo'),
          mtCount: (parts) => calls.push(`mt:${parts}`),
          submitLatencyMs: (ms) => calls.push(ms >= 0 ? 'latency' : 'bad latency'),
          throttled: () => calls.push('throttled'),
          dlr: (state) => calls.push(`dlr:${state}`),
        },
      });
      esme.onDeliver(async () => undefined);
      smsc.failNext(1);
      await rejection(esme.submit({ source: SHORT_CODE, destination: USER, text: 'a' }));
      const { messageIds } = await esme.submit({
        source: SHORT_CODE,
        destination: USER,
        text: 'b'.repeat(200),
      });
      await smsc.mo(USER, 'YE');
      await smsc.dlr(messageIds[0]);
      await esme.stop();
      expect(calls).to.deep.equal([
        'bind:true:bind-a',
        'latency',
        'throttled',
        'latency',
        'latency',
        'mt:2',
        'mo',
        'dlr:delivered',
        'bind:false:bind-a',
      ]);
    });
  });

  describe('pool', () => {
    it('SmppPool – opens n binds and spreads submits round-robin over them', async () => {
      const pool = new SmppPool({ url: smsc.smppUrl, binds: 2, reconnect: { initialMs: 20, maxMs: 200 } });
      links.push(pool);
      await pool.start();
      expect(pool.bound).to.equal(true);
      await smsc.waitForBind(2);
      for (let i = 0; i < 4; i++) await pool.submit({ source: SHORT_CODE, destination: USER, text: `p${i}` });
      const sessions = smsc.submits.map((s) => s.session);
      expect(new Set(sessions).size).to.equal(2);
      expect(sessions[0]).to.not.equal(sessions[1]);
      expect(sessions[0]).to.equal(sessions[2]);
    });

    it('SmppPool – when one bind is down – submits go over the other', async () => {
      const pool = new SmppPool({
        url: smsc.smppUrl,
        binds: 2,
        reconnect: { initialMs: 5_000, maxMs: 5_000 },
      });
      links.push(pool);
      await pool.start();
      await smsc.waitForBind(2);
      const down = Promise.race(pool.links.map((l) => once(l, 'unbound')));
      await smsc.unbind();
      await down;
      expect(pool.boundCount).to.equal(1);
      for (let i = 0; i < 3; i++) await pool.submit({ source: SHORT_CODE, destination: USER, text: `q${i}` });
      expect(new Set(smsc.submits.map((s) => s.session)).size).to.equal(1);
    });
  });
});
