import { keyringOf } from '../../../src/lib/keyring.js';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { FlowInput, Screen } from '../../../flows/index.js';
import { text } from '../../../flows/texts/index.js';
import { createSessionRunner, type SessionRunner, sessionKey } from '../../../src/sessions/index.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { createContext } from '../../../src/main/context.js';
import { expectBalanced, outboxTexts, waitFor, walletBalance } from '../../helpers/ledger.js';

const say = (text: string): FlowInput => ({ type: 'TEXT', text });
const shown = (screen: Screen) => (screen.kind === 'menu' ? screen.title : screen.text);
const wrongPin = '246813'; // not TEST_PIN

describe('session runner (real queue and ledger)', () => {
  let h: Harness;
  let runner: SessionRunner;
  const merchant = `m${randomUUID().slice(0, 6)}`;

  before(async () => {
    h = await createHarness();
    await h.merchant(merchant, 'Corner Shop');
    runner = createSessionRunner({
      redis: h.redis,
      prefix: h.config.redisPrefix,
      keys: keyringOf(h.config),
      bus: h.bus,
      commandTimeoutMs: 15_000,
    });
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  /** Dials and answers: the first step starts the menu, then one step per input. */
  async function dial(r: SessionRunner, msisdn: string, inputs: string[], sessionId = randomUUID()) {
    const screens = [
      await r.step('ussd', sessionId, { flow: 'menu', msisdn, locale: 'en', registered: true }, say('')),
    ];
    for (const input of inputs) screens.push(await r.step('ussd', sessionId, null, say(input)));
    return { screens, sessionId };
  }

  it('pay by USSD menu – when 3, merchant, 12.5 and the right PIN – pays and the balance drops by 1250 fen', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const { screens, sessionId } = await dial(runner, user, ['3', merchant, '12.5', TEST_PIN]);
    expect(screens[0]).to.include({ kind: 'menu', title: 'Mobile wallet' });
    expect(screens[3]).to.deep.include({
      kind: 'prompt',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(screens[4]).to.deep.equal({
      kind: 'message',
      text: 'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      final: true,
    });
    expect(await walletBalance(h, user)).to.equal(8_750n);
    expect(await h.redis.exists(sessionKey(h.config.redisPrefix, 'ussd', sessionId))).to.equal(0);
  });

  it('transfer by USSD menu – when 4, number, amount and PIN – moves the money to the other wallet', async () => {
    const payer = await h.openWallet(newMsisdn(), 2_000n);
    const payee = await h.openWallet(newMsisdn());
    const { screens } = await dial(runner, payer, ['4', payee.slice(2), '5', TEST_PIN]);
    expect(shown(screens[4])).to.equal(`You sent ¥5.00 to ${payee.slice(2)}. Balance ¥15.00.`);
    expect(await walletBalance(h, payer)).to.equal(1_500n);
    expect(await walletBalance(h, payee)).to.equal(500n);
  });

  it('pay by USSD menu – when the PIN is wrong – asks it again in the same session and moves nothing', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const { screens, sessionId } = await dial(runner, user, ['3', merchant, '12.5', wrongPin]);
    expect(screens[4]).to.include({ kind: 'prompt' });
    expect(shown(screens[4])).to.equal('Wrong PIN. 2 attempt(s) left.\nEnter your 6-digit PIN again:');
    expect(await walletBalance(h, user)).to.equal(10_000n);
    const stored = await h.redis.get(sessionKey(h.config.redisPrefix, 'ussd', sessionId));
    expect(stored).not.to.include(wrongPin);
    expect(shown(await runner.step('ussd', sessionId, null, say(TEST_PIN)))).to.equal(
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    );
  });

  it('a USSD session – while the PIN is asked – lives 180 s in Redis; after the result – is deleted', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const { sessionId } = await dial(runner, user, ['3', merchant, '1']);
    const key = sessionKey(h.config.redisPrefix, 'ussd', sessionId);
    const ttl = await h.redis.ttl(key);
    expect(ttl).to.be.within(170, 180);
    await runner.step('ussd', sessionId, null, say(TEST_PIN));
    expect(await h.redis.exists(key)).to.equal(0);
  });

  it('a session – when the gateway restarts mid-session – resumes exactly where it was in a new runner', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const a = createSessionRunner({
      redis: h.redis,
      prefix: h.config.redisPrefix,
      keys: keyringOf(h.config),
      bus: h.bus,
      commandTimeoutMs: 15_000,
    });
    const { sessionId, screens } = await dial(a, user, ['3', merchant]);
    expect(shown(screens[2])).to.equal(`Pay ${merchant}. Enter the amount in yuan:`);

    const b = createSessionRunner({
      redis: h.redis,
      prefix: h.config.redisPrefix,
      keys: keyringOf(h.config),
      bus: h.bus,
      commandTimeoutMs: 15_000,
    });
    expect(shown(await b.step('ussd', sessionId, null, say('12.5')))).to.equal(
      `Pay ¥12.50 to ${merchant}. Enter your 6-digit PIN:`,
    );
    expect(shown(await b.step('ussd', sessionId, null, say(TEST_PIN)))).to.equal(
      'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
    );
    expect(await walletBalance(h, user)).to.equal(8_750n);
  });

  describe('the process cache of records and running flows', () => {
    const runnerWith = (cacheSessions?: number) =>
      createSessionRunner({
        redis: h.redis,
        prefix: h.config.redisPrefix,
        keys: keyringOf(h.config),
        bus: h.bus,
        commandTimeoutMs: 15_000,
        cacheSessions,
      });

    it('two gateway processes stepping one session in turns – each continues from the step the other saved, and the payment runs once', async () => {
      // Each runner has its own cache, as two processes do: a's running flow is left at the root menu
      // when b moves the session on, and must not be picked up again.
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const [a, b] = [runnerWith(), runnerWith()];
      const sessionId = randomUUID();
      const start = { flow: 'menu', msisdn: user, locale: 'en', registered: true } as const;
      expect(shown(await a.step('ussd', sessionId, start, say('')))).to.equal('Mobile wallet');
      expect(shown(await b.step('ussd', sessionId, null, say('3')))).to.equal('Enter the merchant code:');
      expect(shown(await a.step('ussd', sessionId, null, say(merchant)))).to.equal(
        `Pay ${merchant}. Enter the amount in yuan:`,
      );
      expect(shown(await b.step('ussd', sessionId, null, say('12.5')))).to.equal(
        `Pay ¥12.50 to ${merchant}. Enter your 6-digit PIN:`,
      );
      expect(shown(await a.step('ussd', sessionId, null, say(TEST_PIN)))).to.equal(
        'You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      );
      expect(await walletBalance(h, user)).to.equal(8_750n);
    });

    it('a record written over in Redis by someone else – the next step reads it, not the flow this process left running', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const r = runnerWith();
      const sessionId = randomUUID();
      const key = sessionKey(h.config.redisPrefix, 'ussd', sessionId);
      await dial(r, user, [], sessionId);
      const atRoot = await h.redis.get(key);
      expect(shown(await r.step('ussd', sessionId, null, say('6')))).to.equal('My account');
      // Back to the root as stored (a restore by an operator, another process's older write).
      await h.redis.set(key, atRoot!, 'EX', 180);
      expect(shown(await r.step('ussd', sessionId, null, say('1')))).to.equal(
        'Balance ¥100.00, available ¥100.00.',
      );
    });

    /**
     * A runner whose Redis connection hands each answer of the lock's script (LOCK_AND_READ) to `seen`
     * first, and then to `meanwhile` before the step goes on.
     */
    const watchedRunner = (meanwhile: (reply: unknown[]) => Promise<void> = async () => {}) => {
      const seen: unknown[][] = [];
      const redis = new Proxy(h.redis, {
        get(target, name) {
          const value = Reflect.get(target, name, target);
          if (typeof value !== 'function') return value;
          if (name !== 'sessionLockAndRead') return value.bind(target);
          return async (...args: unknown[]) => {
            const reply = (await value.apply(target, args)) as unknown[];
            seen.push(reply);
            await meanwhile(reply);
            return reply;
          };
        },
      });
      const r = createSessionRunner({
        redis,
        prefix: h.config.redisPrefix,
        keys: keyringOf(h.config),
        bus: h.bus,
        commandTimeoutMs: 15_000,
      });
      return { r, seen };
    };

    it('a session this process stepped last – Redis answers the lock with "still the one you cached", not the record', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const { r, seen } = watchedRunner();
      const sessionId = randomUUID();
      const key = sessionKey(h.config.redisPrefix, 'ussd', sessionId);
      await dial(r, user, ['6', '0'], sessionId);
      // [got the lock, the record, the ended session's, the same]: nothing stored for the dial, then
      // each step finds what the one before it cached.
      expect(seen.map((reply) => [reply[0], reply[1] === null, reply[3]])).to.deep.equal([
        [1, true, 0],
        [1, true, 1],
        [1, true, 1],
      ]);
      // Written over from outside: the record itself comes back, and the step goes on from it.
      const atRoot = await h.redis.get(key);
      expect(shown(await r.step('ussd', sessionId, null, say('6')))).to.equal('My account');
      await h.redis.set(key, atRoot!, 'EX', 180);
      expect(shown(await r.step('ussd', sessionId, null, say('6')))).to.equal('My account');
      expect(seen[4][1]).to.equal(atRoot);
      expect(seen[4][3]).to.equal(0);
    });

    it('a session taken by a new dial between the answer to the lock and the step – the step reads Redis again and finds it gone', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const sessionId = randomUUID();
      let taking = false;
      const { r, seen } = watchedRunner(async (reply) => {
        // A dial resuming the session (GETDEL, the cache entry let go) right after the lock was answered.
        if (taking && reply[3] === 1) await r.runtime.take('ussd', sessionId);
      });
      await dial(r, user, ['6'], sessionId);
      taking = true;
      const screen = await r.step('ussd', sessionId, null, say('0'));
      expect(seen[2][3]).to.equal(1);
      expect(screen).to.deep.include({ kind: 'message', final: true });
      expect(shown(screen)).to.equal(text('zh-CN', 'flow.expired'));
    });

    it('more sessions than the cache holds, stepped in turns – each step still answers from its own session', async () => {
      const r = runnerWith(2);
      const users = await Promise.all([1, 2, 3].map(() => h.openWallet(newMsisdn(), 10_000n)));
      const sessions = users.map(() => randomUUID());
      for (const [i, user] of users.entries())
        await r.step(
          'ussd',
          sessions[i],
          { flow: 'menu', msisdn: user, locale: 'en', registered: true },
          say(''),
        );
      // Three sessions through a cache of two: each step meets its session evicted by the other two.
      for (const input of ['6', '0', '6']) {
        for (const sessionId of sessions)
          expect(shown(await r.step('ussd', sessionId, null, say(input)))).to.equal(
            input === '6' ? 'My account' : 'Mobile wallet',
          );
      }
    });

    it('with the cache off – a whole payment still runs, each step rebuilt from Redis', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const { screens } = await dial(runnerWith(0), user, ['3', merchant, '12.5', TEST_PIN]);
      expect(shown(screens[4])).to.equal('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
      expect(await walletBalance(h, user)).to.equal(8_750n);
    });
  });

  it('balance and statement by USSD menu – when 1 or 5 – answer from the ledger', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    const balance = await dial(runner, user, ['1']);
    expect(shown(balance.screens[1])).to.equal('Balance ¥100.00, available ¥100.00.');
    const statement = await dial(runner, user, ['5']);
    expect(shown(statement.screens[1]).split('\n')[0]).to.equal('Last transactions:');
    expect(shown(statement.screens[1])).to.include('+¥100.00');
  });

  it('a step – with no stored session and nothing to start – answers that the session expired', async () => {
    const screen = await runner.step('ussd', randomUUID(), null, say('1'));
    expect(screen).to.deep.equal({ kind: 'message', text: '会话已过期,请重新拨打。', final: true });
  });

  describe('a command that outlives the deadline (a queue with no worker until the step has answered)', () => {
    let idle: Harness;
    let slow: SessionRunner;
    before(async () => {
      // The real bus and queue, but no worker: the command waits in the queue past the step's deadline.
      idle = await createHarness({}, { workers: false });
      slow = createSessionRunner({
        redis: idle.redis,
        prefix: idle.config.redisPrefix,
        keys: keyringOf(idle.config),
        bus: idle.bus,
        commandTimeoutMs: 200,
      });
    });
    after(() => idle.close());

    /** Starts a worker on the idle queue and waits until the SMS of `reason` is queued for `msisdn`. */
    async function runQueued(msisdn: string, reason: string) {
      const worker = await createContext(idle.config, { workers: true, sweepEveryMs: 3_600_000 });
      try {
        await waitFor(
          async () => Boolean(await idle.db('outbox').where({ msisdn, reason }).first('id')),
          20_000,
        );
      } finally {
        await worker.close();
      }
    }

    it('a payment – ends saying the result comes by SMS, then runs once and its SMS comes', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const { screens } = await dial(slow, user, ['3', merchant, '12.5', TEST_PIN]);
      expect(screens[4]).to.deep.equal({
        kind: 'message',
        text: 'Accepted. The result will come by SMS.',
        final: true,
      });
      expect(await walletBalance(h, user)).to.equal(10_000n); // nothing ran before the answer
      await runQueued(user, 'payment');
      expect(await walletBalance(h, user)).to.equal(8_750n);
      const [sms] = await outboxTexts(idle, (q) => q.where({ msisdn: user, reason: 'payment' }));
      expect(sms.text).to.equal('您已向Corner Shop支付¥12.50,余额¥87.50。'); // the wallet's language
    });

    it('a wrong PIN – ends saying the result comes by SMS, then the refusal comes by SMS', async () => {
      const user = await h.openWallet(newMsisdn(), 10_000n);
      const { screens } = await dial(slow, user, ['3', merchant, '12.5', wrongPin]);
      expect(screens[4]).to.deep.include({ text: 'Accepted. The result will come by SMS.', final: true });
      await runQueued(user, 'refused.wrong_pin');
      const [sms] = await outboxTexts(idle, (q) => q.where({ msisdn: user, reason: 'refused.wrong_pin' }));
      expect(sms.text).to.equal('支付密码错误,还可尝试2次。');
      expect(await walletBalance(h, user)).to.equal(10_000n);
    });
  });
});
