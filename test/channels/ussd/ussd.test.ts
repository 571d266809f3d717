import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { openSessionKey, ussdRoutes } from '../../../src/channels/ussd/index.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { sessionKey, sessionLockKey } from '../../../src/sessions/index.js';
import { type ChannelRig, startChannelRig } from '../../helpers/channel-rig.js';
import { newMsisdn } from '../../helpers/harness.js';
import { waitFor, walletBalance } from '../../helpers/ledger.js';
import { ACCOUNT, MENU, PIN, ussdCases, type UssdWorld, WRONG_PIN } from './cases.js';

const SERVICE = '*1065#';

describe('USSD over HTTP (POST /ussd, real queue and ledger)', () => {
  let rig: ChannelRig;
  const merchant = `u${randomUUID().slice(0, 6)}`;

  before(async () => {
    rig = await startChannelRig(ussdRoutes, { locale: 'en' });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(() => rig.close());

  const post = (body: unknown) => rig.server.call('POST', '/ussd', { body });
  const ask = (sessionId: string, phoneNumber: string, text: string) =>
    post({ sessionId, serviceCode: SERVICE, phoneNumber, text });

  async function world(stranger = false): Promise<UssdWorld> {
    const user = stranger ? newMsisdn() : await rig.h.openWallet(newMsisdn(), 10_000n);
    const other = await rig.h.openWallet(newMsisdn());
    const [card] = await issueVouchers(rig.h.db, keyringOf(rig.h.config), 1, 5_000n);
    return { rig, user, other, card, merchant };
  }

  describe('the journeys of §4', () => {
    for (const c of ussdCases) {
      it(c.name, async () => {
        const w = await world(c.stranger);
        await c.given?.(w);
        const sessionId = randomUUID();
        const path: string[] = [];
        for (const [input, reply] of c.steps(w)) {
          if (input !== '' || path.length > 0) path.push(input);
          const res = await ask(sessionId, w.user, path.join('*'));
          expect(res.status, `after ${input}`).to.equal(200);
          expect(res.headers.get('content-type')).to.match(/^text\/plain/);
          expect(res.text, `after ${JSON.stringify(input.slice(0, 20))}`).to.equal(reply);
        }
        await c.effect?.(w);
      });
    }
  });

  it('a payment step with an X-Request-Id – its command job carries that id (the worker logs its outcome under it)', async () => {
    const w = await world();
    const id = randomUUID();
    for (const text of ['', '3', `3*${merchant}`, `3*${merchant}*5`]) await ask(id, w.user, text);
    const paid = await rig.server.call('POST', '/ussd', {
      body: { sessionId: id, serviceCode: '*1065#', phoneNumber: w.user, text: `3*${merchant}*5*${PIN}` },
      headers: { 'x-request-id': 'ussd-req-7' },
    });
    expect(paid.text).to.match(/^END /);
    const jobs = (await Promise.all(rig.h.bus.allQueues.map((q) => q.getJobs(['completed'])))).flat();
    const asked = jobs.filter((job) => (job.data as { requestId?: string }).requestId === 'ussd-req-7');
    expect(asked.map((job) => job.name)).to.deep.equal(['payment']);
  });

  it('a retried request – the same session and text – gets the same page and pays once', async () => {
    const w = await world();
    const id = randomUUID();
    await ask(id, w.user, '');
    await ask(id, w.user, '3');
    await ask(id, w.user, `3*${merchant}`);
    await ask(id, w.user, `3*${merchant}*12.5`);
    const path = `3*${merchant}*12.5*${PIN}`;
    const [first, second] = await Promise.all([ask(id, w.user, path), ask(id, w.user, path)]);
    const third = await ask(id, w.user, path);
    for (const res of [first, second, third])
      expect(res.text).to.equal('END You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
    expect(await walletBalance(rig.h, w.user)).to.equal(8_750n);
    const payments = await rig.h
      .db('commands')
      .where('key', 'like', `ussd:${id}:%`)
      .where({ type: 'payment' });
    expect(payments).to.have.length(1);
  });

  it('a session going round a loop (6, 0, 6, 0, …) – keeps no more behind it than after the first round', async () => {
    const w = await world();
    const id = randomUUID();
    const key = sessionKey(rig.h.config.redisPrefix, 'ussd', id);
    const path: string[] = [];
    await ask(id, w.user, '');
    const sizes: number[] = []; // screens behind the root menu after each round
    for (let round = 0; round < 10; round++) {
      for (const input of ['6', '0']) {
        path.push(input);
        expect((await ask(id, w.user, path.join('*'))).text).to.equal(input === '6' ? ACCOUNT : MENU);
      }
      const record = JSON.parse(keyringOf(rig.h.config).unseal((await rig.h.redis.get(key)) as string));
      sizes.push(record.state.history.length);
    }
    // Back at the root menu, nothing is behind it.
    expect(sizes).to.deep.equal(Array(10).fill(0));
  });

  it('a wrong PIN – asks again in the same session; the right one then pays', async () => {
    const w = await world();
    const id = randomUUID();
    for (const text of ['', '3', `3*${merchant}`, `3*${merchant}*1`]) await ask(id, w.user, text);
    expect((await ask(id, w.user, `3*${merchant}*1*${WRONG_PIN}`)).text).to.equal(
      'CON Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:',
    );
    expect((await ask(id, w.user, `3*${merchant}*1*${WRONG_PIN}*${PIN}`)).text).to.equal(
      'END You paid ¥1.00 to Corner Shop. Balance ¥99.00.',
    );
  });

  it('a dropped session – the next dial offers to resume it; 1 resumes where it was', async () => {
    const w = await world();
    const dropped = randomUUID();
    await ask(dropped, w.user, '');
    await ask(dropped, w.user, '3');
    expect(await rig.h.redis.get(openSessionKey(rig.h.config.redisPrefix, w.user))).to.equal(dropped);
    const next = randomUUID();
    expect((await ask(next, w.user, '')).text).to.equal(
      'CON Your last session was cut off.\n1.Resume where I was\n2.Start again',
    );
    expect((await ask(next, w.user, '1')).text).to.equal('CON Enter the merchant code:');
    expect((await ask(next, w.user, `1*${merchant}`)).text).to.equal(
      `CON Pay ${merchant}. Enter the amount in yuan:`,
    );
    // The dropped one is gone: its id answers as a new dial would.
    expect((await ask(dropped, w.user, `3*${merchant}`)).text).to.equal(MENU);
  });

  it('a dropped session – 2 starts again at the root menu', async () => {
    const w = await world();
    const dropped = randomUUID();
    await ask(dropped, w.user, '');
    await ask(dropped, w.user, '4');
    const next = randomUUID();
    await ask(next, w.user, '');
    expect((await ask(next, w.user, '2')).text).to.equal(MENU);
  });

  it('an unknown session with a non-empty text – starts cleanly at the root menu and runs nothing', async () => {
    const w = await world();
    expect((await ask(randomUUID(), w.user, `3*${merchant}*12.5*${PIN}`)).text).to.equal(MENU);
    expect(await walletBalance(rig.h, w.user)).to.equal(10_000n);
  });

  describe('bad requests', () => {
    const good = { sessionId: 's1', serviceCode: SERVICE, phoneNumber: '+8613800138000', text: '' };
    for (const [name, body, reason] of [
      ['no sessionId', { ...good, sessionId: undefined }, 'sessionId is missing'],
      ['an empty phoneNumber', { ...good, phoneNumber: ' ' }, 'phoneNumber is empty'],
      ['no text', { ...good, text: undefined }, 'text is missing'],
      [
        'a phoneNumber that is not a mobile number',
        { ...good, phoneNumber: '12345' },
        'phoneNumber is not a mobile number',
      ],
      ['another service code', { ...good, serviceCode: '*999#' }, 'serviceCode is not *1065#'],
    ] as const) {
      it(`${name} – 400 with a plain-text reason`, async () => {
        const res = await post(body);
        expect(res.status).to.equal(400);
        expect(res.headers.get('content-type')).to.match(/^text\/plain/);
        expect(res.text).to.equal(reason);
      });
    }

    it('a form-encoded request – is read like JSON', async () => {
      const w = await world();
      const form = new URLSearchParams({
        sessionId: randomUUID(),
        serviceCode: SERVICE,
        phoneNumber: w.user,
        text: '',
      });
      const res = await rig.server.call('POST', '/ussd', {
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.text).to.equal(MENU);
    });

    it('a body over MAX_BODY_BYTES – 413, nothing runs', async () => {
      const res = await post({ ...good, text: '1'.repeat(rig.h.config.maxBodyBytes + 1) });
      expect(res.status).to.equal(413);
    });
  });
});

describe('USSD over HTTP – a command that outlives USSD_DEADLINE_MS (no worker until the step answered)', () => {
  let rig: ChannelRig;
  const merchant = `d${randomUUID().slice(0, 6)}`;
  before(async () => {
    rig = await startChannelRig(ussdRoutes, { locale: 'en', ussdDeadlineMs: 300 }, { workers: false });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(() => rig.close());

  it('a session whose lock another step holds past the wait – 503 and an END page, never JSON', async function () {
    this.timeout(30_000);
    const sessionId = randomUUID();
    // Another gateway process stepping this session (and stuck): its lock stays for a minute.
    await rig.h.redis.set(sessionLockKey(rig.h.config.redisPrefix, 'ussd', sessionId), 'other', 'PX', 60_000);
    const res = await rig.server.call('POST', '/ussd', {
      body: { sessionId, serviceCode: SERVICE, phoneNumber: newMsisdn(), text: '' },
    });
    expect(res.status).to.equal(503);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    expect(res.text).to.equal('END The service is busy. Please try again later.');
  });

  it('ends saying the result comes by SMS; the refusal of a wrong PIN then comes by SMS', async () => {
    const { createContext } = await import('../../../src/main/context.js');
    const user = newMsisdn();
    // The wallet is opened by a worker of its own: the rig's queue has none.
    const opener = await createContext(rig.h.config, { workers: true, sweepEveryMs: 3_600_000 });
    try {
      await rig.h.run('account.open', { msisdn: user });
    } finally {
      await opener.close();
    }
    const id = randomUUID();
    for (const text of ['', '3', `3*${merchant}`, `3*${merchant}*1`])
      await rig.server.call('POST', '/ussd', {
        body: { sessionId: id, serviceCode: SERVICE, phoneNumber: user, text },
      });
    const res = await rig.server.call('POST', '/ussd', {
      body: { sessionId: id, serviceCode: SERVICE, phoneNumber: user, text: `3*${merchant}*1*${WRONG_PIN}` },
    });
    expect(res.text).to.equal('END Accepted. The result will come by SMS.');
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
