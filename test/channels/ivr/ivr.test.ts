import { expect } from 'chai';
import { ivrRoutes } from '../../../src/channels/ivr/index.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { sessionKey } from '../../../src/sessions/index.js';
import { type ChannelRig, channelDepsOf, startChannelRig } from '../../helpers/channel-rig.js';
import { newMsisdn } from '../../helpers/harness.js';
import { waitFor, walletBalance } from '../../helpers/ledger.js';
import { type SmsRig, startSmsRig, stopSmsRig } from '../../helpers/sms-rig.js';
import {
  hear,
  newCallSid,
  post,
  PUBLIC_URL,
  SILENCE,
  TWILIO_TOKEN,
  TwilioCall,
} from '../../helpers/twilio-call.js';
import { startServer, type TestServer } from '../../integration/ops/server.js';
import { digitMerchant, ivrCases, type IvrWorld, MENU, PIN, WRONG_PIN } from './cases.js';

const IVR_CONFIG = { locale: 'en' as const, twilioAuthToken: TWILIO_TOKEN, publicUrl: PUBLIC_URL };

describe('IVR over Twilio Voice webhooks (signed, real queue, ledger and SMPP test server)', function () {
  this.timeout(60_000);
  let rig: SmsRig;
  let server: TestServer;
  const merchant = digitMerchant();

  before(async () => {
    rig = await startSmsRig(IVR_CONFIG);
    server = await startServer(rig.h, { routers: [ivrRoutes(channelDepsOf(rig.h))] });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(async () => {
    await server?.close();
    await stopSmsRig(rig, { balanced: true });
  });

  async function world(stranger = false): Promise<IvrWorld> {
    const user = stranger ? newMsisdn() : await rig.h.openWallet(newMsisdn(), 10_000n);
    const other = await rig.h.openWallet(newMsisdn());
    const [card] = await issueVouchers(rig.h.db, keyringOf(rig.h.config), 1, 5_000n);
    return { h: rig.h, smsc: rig.smsc, server, user, other, card, merchant };
  }

  describe('the journeys of §5', () => {
    for (const c of ivrCases) {
      it(c.name, async () => {
        const w = await world(c.stranger);
        await c.given?.(w);
        const call = new TwilioCall(server, w.user);
        for (const [keys, said, ends] of c.steps(w)) {
          const heard = keys === 'ring' ? await call.start() : await call.press(keys);
          const what = `after ${String(keys)}`;
          expect(heard.said, what).to.equal(said);
          expect(heard.hangup, `${what}: hangs up`).to.equal(ends === 'hangs up');
          if (!heard.hangup) {
            expect(heard.gather, `${what}: a <Gather>`).to.not.equal(undefined);
            expect(heard.redirect, `${what}: a <Redirect> after it`).to.match(
              /\/ivr\/step\/\d+\?silence=\d$/,
            );
          }
        }
        await c.effect?.(w, call);
      });
    }
  });

  it('TwiML – a menu takes one key, a prompt keys ended by #; actions and redirects on PUBLIC_URL, voices by language', async () => {
    const w = await world();
    const call = new TwilioCall(server, w.user);
    const menu = await call.start();
    expect(menu.gather).to.deep.equal({ action: `${PUBLIC_URL}/ivr/step/1`, input: 'dtmf', numDigits: '1' });
    expect(menu.redirect).to.equal(`${PUBLIC_URL}/ivr/step/1?silence=1`);
    expect(menu.voices).to.deep.equal(['en-US Polly.Joanna']);
    const prompt = await call.press('3');
    expect(prompt.gather).to.deep.equal({
      action: `${PUBLIC_URL}/ivr/step/2`,
      input: 'dtmf',
      finishOnKey: '#',
    });
    expect((await call.press('0')).said, '0 on a prompt: back').to.equal(MENU);
    const other = new TwilioCall(server, w.user);
    await other.start();
    const sub = await other.press('6');
    expect(sub.voices).to.deep.equal(['en-US Polly.Joanna', 'cmn-CN Polly.Zhiyu', 'en-US Polly.Joanna']);
  });

  it('a retried step – the same CallSid, step and Digits – gets the same TwiML and pays once', async () => {
    const w = await world();
    const call = new TwilioCall(server, w.user);
    await call.start();
    for (const keys of ['3', merchant, '12*5']) await call.press(keys);
    const { url, params } = call.next(PIN);
    const [first, second] = await Promise.all([post(server, url, params), post(server, url, params)]);
    const third = await post(server, url, params);
    for (const reply of [second, third]) expect(reply.text).to.equal(first.text);
    expect(first.text).to.include('You paid twelve yuan fifty to Corner Shop.');
    expect(await walletBalance(rig.h, w.user)).to.equal(8_750n);
    const payments = await rig.h
      .db('commands')
      .where('key', 'like', `ivr:${call.callSid}:%`)
      .where({ type: 'payment' });
    expect(payments).to.have.length(1);
  });

  it('a retried silence – the same redirect twice – the same re-prompt, not the goodbye', async () => {
    const w = await world();
    const call = new TwilioCall(server, w.user);
    await call.start();
    const { url, params } = call.next(SILENCE);
    const first = await post(server, url, params);
    const again = await post(server, url, params);
    expect(again.text).to.equal(first.text);
    expect(hear(again.text).said).to.equal(`Sorry, I did not hear a key. ${MENU}`);
  });

  it('a call from a withheld number – told it needs a mobile number, then hung up (200, TwiML), nothing runs', async () => {
    const res = await post(server, '/ivr/voice', {
      CallSid: newCallSid(),
      From: 'anonymous',
      CallStatus: 'ringing',
    });
    expect(res.status).to.equal(200);
    const heard = hear(res.text);
    expect(heard.said).to.equal(
      'This service needs a mobile number we can see. Please call again from your mobile phone. Goodbye.',
    );
    expect(heard.hangup).to.equal(true);
    expect(heard.gather).to.equal(undefined);
  });

  it('CallStatus completed – ends the session and answers an empty Response', async () => {
    const w = await world();
    const call = new TwilioCall(server, w.user);
    await call.start();
    await call.press('3');
    const key = sessionKey(rig.h.config.redisPrefix, 'ivr', call.callSid);
    expect(await rig.h.redis.exists(key)).to.equal(1);
    const done = await call.hangUp();
    expect(done.status).to.equal(200);
    expect(done.text).to.match(/<Response\/>$/);
    expect(await rig.h.redis.exists(key)).to.equal(0);
  });

  describe('signatures (X-Twilio-Signature against PUBLIC_URL + path)', () => {
    const params = () => ({ CallSid: newCallSid(), From: '+8613800138000', CallStatus: 'ringing' });
    it('a forged signature – 403, no TwiML', async () => {
      const res = await post(server, '/ivr/voice', params(), { token: 'not-the-token' });
      expect(res.status).to.equal(403);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(res.text).to.not.include('<Response');
    });
    it('a signature over another URL (the internal address behind the proxy) – 403', async () => {
      const res = await post(server, '/ivr/voice', params(), { signedUrl: `${server.url}/ivr/voice` });
      expect(res.status).to.equal(403);
    });
    it('a signature over other parameters – 403', async () => {
      const p = params();
      const res = await post(server, '/ivr/voice', p, {
        signature: (await import('twilio')).default.getExpectedTwilioSignature(
          TWILIO_TOKEN,
          `${PUBLIC_URL}/ivr/voice`,
          { ...p, From: '+8613900139000' },
        ),
      });
      expect(res.status).to.equal(403);
    });
    it('no signature – 403', async () => {
      const res = await post(server, '/ivr/voice', params(), { signature: null });
      expect(res.status).to.equal(403);
      expect(res.text).to.not.include('<Response');
    });
  });
});

describe('IVR – no TWILIO_AUTH_TOKEN', () => {
  let rig: ChannelRig;
  before(async () => {
    rig = await startChannelRig(ivrRoutes, {
      locale: 'en',
      twilioAuthToken: undefined,
      publicUrl: PUBLIC_URL,
    });
  });
  after(() => rig.close());

  it('every webhook – 503, no TwiML, nothing runs', async () => {
    const res = await post(rig.server, '/ivr/voice', { CallSid: newCallSid(), From: '+8613800138000' });
    expect(res.status).to.equal(503);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    expect(res.text).to.not.include('<Response');
  });
});

describe('IVR – a payment that outlives USSD_DEADLINE_MS (no worker until the step answered)', () => {
  let rig: ChannelRig;
  const merchant = digitMerchant();
  before(async () => {
    rig = await startChannelRig(ivrRoutes, { ...IVR_CONFIG, ussdDeadlineMs: 300 }, { workers: false });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(() => rig.close());

  it('the call says the result comes by SMS and hangs up; the refusal of a wrong PIN then comes by SMS', async function () {
    this.timeout(30_000);
    const { createContext } = await import('../../../src/main/context.js');
    const user = newMsisdn();
    const opener = await createContext(rig.h.config, { workers: true, sweepEveryMs: 3_600_000 });
    try {
      await rig.h.run('account.open', { msisdn: user });
    } finally {
      await opener.close();
    }
    const call = new TwilioCall(rig.server, user);
    await call.start();
    for (const keys of ['3', merchant, '1']) await call.press(keys);
    const heard = await call.press(WRONG_PIN);
    expect(heard.said).to.equal('Accepted. The result will come by SMS.');
    expect(heard.hangup).to.equal(true);
    const worker = await createContext(rig.h.config, { workers: true, sweepEveryMs: 3_600_000 });
    try {
      await waitFor(
        async () =>
          Boolean(await rig.h.db('outbox').where({ msisdn: user, reason: 'refused.wrong_pin' }).first('id')),
        20_000,
      );
    } finally {
      await worker.close();
    }
  });
});
