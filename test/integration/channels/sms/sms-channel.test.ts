/**
 * The SMS channel end to end: a real SMPP server from the `smpp` package plays the SMSC; the gateway's
 * link, MO store, conversation, command queue, ledger, outbox relay and MT sender all run for real.
 */

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ESME_RTHROTTLED } from '../../../../src/channels/smpp/index.js';
import type { SmsChannel } from '../../../../src/channels/sms/index.js';
import { CONCAT_WAIT_SECONDS, leftBehind, storeMo } from '../../../../src/channels/sms/mo-store.js';
import {
  batchesOf,
  queueMts,
  recordAnswers,
  requeueStranded,
} from '../../../../src/channels/sms/mt-store.js';
import { issueVouchers } from '../../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../../src/lib/keyring.js';
import { channelDepsOf } from '../../../helpers/channel-rig.js';
import { balanceOf, type Harness, newMsisdn, TEST_PIN } from '../../../helpers/harness.js';
import { outboxTexts, waitFor, walletBalance } from '../../../helpers/ledger.js';
import { startSmsRig, stopSmsRig } from '../../../helpers/sms-rig.js';
import { smsSettled, until } from '../../../helpers/sms-settled.js';
import type { ReceivedMessage, TestSmsc } from '../../../helpers/smsc.js';

describe('SMS channel over SMPP (real SMSC simulator, queue and ledger)', function () {
  this.timeout(60_000);
  let smsc: TestSmsc;
  let h: Harness;
  let sms: SmsChannel;
  const merchant = `m${randomUUID().slice(0, 6)}`;

  before(async () => {
    ({ smsc, h, sms } = await startSmsRig());
    await h.merchant(merchant, 'Corner Shop');
  });
  after(() => stopSmsRig({ smsc, h, sms }, { balanced: true }));

  const to = (msisdn: string) => smsc.messages.filter((m) => m.destination === msisdn);
  /**
   * Waits until nothing more can reach these phones (their MOs processed, the outbox relayed, no MT
   * queued, every queue drained: sms-settled.ts); what they got is then final and can be counted.
   */
  const settle = (...msisdns: string[]) =>
    smsSettled({ db: h.db, queues: [sms.outbound, sms.inbound.queue, ...h.bus.allQueues], smsc }, msisdns);
  /** The payments out of `msisdn`'s wallet, oldest first. */
  const paymentsFrom = (msisdn: string) =>
    h
      .db('transfers')
      .where({
        kind: 'payment',
        debit_account_id: h
          .db('accounts')
          .select('id')
          .where({ code: `wallet:${msisdn}` }),
      })
      .orderBy('id');
  /** Waits until `msisdn` has received `count` messages in all, and returns them. */
  async function received(msisdn: string, count: number, timeoutMs = 20_000): Promise<ReceivedMessage[]> {
    await waitFor(async () => to(msisdn).length >= count, timeoutMs);
    return to(msisdn);
  }
  const replyRows = (msisdn: string) => h.db('sms_mt').where({ msisdn, reason: 'reply' }).orderBy('id');
  /**
   * Sends an MO and waits for `replies` more replies to it to reach the sender's phone; returns them.
   * (Notifications from the outbox arrive too; they are not replies.)
   */
  async function say(msisdn: string, text: string, replies = 1): Promise<ReceivedMessage[]> {
    const before = (await replyRows(msisdn)).length;
    const answer = await smsc.mo(msisdn, text);
    expect(answer.commandStatus, `deliver_sm_resp status for ${text}`).to.equal(0);
    await waitFor(async () => (await replyRows(msisdn)).length >= before + replies, 20_000);
    const rows = (await replyRows(msisdn)).slice(before);
    await waitFor(async () => rows.every((r) => to(msisdn).some((m) => m.text === r.text)), 20_000);
    return rows.map((r) => to(msisdn).find((m) => m.text === r.text) as ReceivedMessage);
  }
  const accountStatus = async (msisdn: string) =>
    (
      await h
        .db('accounts')
        .where({ code: `wallet:${msisdn}` })
        .first()
    ).status as string;
  it('KT then A – opens a wallet; the agreement and the initial passwords arrive in UCS2', async () => {
    const user = newMsisdn();
    const [agreement] = await say(user, 'KT');
    expect(agreement.dataCoding).to.equal(8);
    expect(agreement.text).to.match(/A/);
    expect(agreement.source).to.equal(h.config.shortCode);
    // `A`: the reply, and the SMS with the initial login password and PIN from the outbox.
    await say(user, 'A');
    await settle(user);
    const passwords = to(user).find((m) => /\d{6}/.test(m.text));
    expect(passwords?.dataCoding).to.equal(8);
    const opened = await h.db('users').where({ msisdn: user }).first();
    expect(opened, 'a user row').to.exist;
    const stored = await h.db('sms_mt').where({ msisdn: user }).orderBy('id');
    expect(stored.every((m) => ['sent', 'delivered'].includes(m.status))).to.equal(true);
    // The initial passwords are not kept in the MT record.
    expect(stored.some((m) => m.sensitive && !/\d{6}/.test(m.text))).to.equal(true);
  });

  it('YE, MX, BZ and ? – each gets an answer from the ledger or the help text', async () => {
    const user = await h.openWallet(newMsisdn(), 12_345n);
    const [balance] = await say(user, 'YE');
    expect(balance.text).to.include('123.45');
    const [statement] = await say(user, '明细');
    expect(statement.text).to.include('123.45');
    const [help] = await say(user, 'BZ');
    const [help2] = await say(user, '?');
    expect(help.text).to.equal(help2.text);
    expect(help.text).to.match(/ZF/);
  });

  it('ZF then the PIN – pays the merchant once (one transfer, both balances moved once), replies and notifies once by SMS', async () => {
    // A merchant of this test's own: its balance moves by this payment alone.
    const shop = `m${randomUUID().slice(0, 6)}`;
    await h.merchant(shop, 'Tea House');
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await settle(user); // the top-up's notice is out of the way

    const [ask] = await say(user, `ZF ${shop} 12.50`);
    expect(ask.text).to.equal(`向${shop}支付¥12.50,请回复6位支付密码确认,回复QX取消。`);
    const [done] = await say(user, TEST_PIN);
    expect(done.text).to.equal('已向Tea House支付¥12.50,余额¥87.50。');
    // Both MOs processed, the notice relayed and sent, every queue drained: nothing more can come.
    await settle(user);

    const payments = await paymentsFrom(user);
    expect(payments.map((p) => [p.amount, p.status])).to.deep.equal([[1_250n, 'posted']]);
    expect(await walletBalance(h, user)).to.equal(8_750n);
    expect(await balanceOf(h, `merchant:${shop}`)).to.equal(1_250n);
    // The notice: one outbox row, one MT of that reason, sent, and the phone got it once.
    const notice = '您已向Tea House支付¥12.50,余额¥87.50。';
    const outbox = await outboxTexts(h, (q) => q.where({ msisdn: user, reason: 'payment' }));
    expect(outbox.map((r) => r.text)).to.deep.equal([notice]);
    const mts = await h.db('sms_mt').where({ msisdn: user, reason: 'payment' });
    expect(mts.map((r) => [r.text, r.status])).to.deep.equal([[notice, 'sent']]);
    expect(to(user).filter((m) => m.text === notice)).to.have.length(1);
    // And the two replies once each.
    expect((await replyRows(user)).map((r) => r.text)).to.deep.equal([ask.text, done.text]);
  });

  it('ZZ then the PIN, CZ, GM, DJ and JD – each runs its command', async () => {
    const user = await h.openWallet(newMsisdn(), 5_000n);
    const payee = await h.openWallet(newMsisdn());
    await say(user, `ZZ ${payee.slice(2)} 5`);
    await say(user, TEST_PIN);
    await waitFor(async () => (await walletBalance(h, payee)) === 500n);

    const [card] = await issueVouchers(h.db, keyringOf(h.config), 1, 2_000n);
    await say(user, `CZ ${card.serial} ${card.pin}`);
    await waitFor(async () => (await walletBalance(h, user)) === 6_500n);

    await say(user, `GM ${TEST_PIN} 246813`);
    await say(user, 'DJ 7');
    expect(await accountStatus(user)).to.equal('frozen');
    await say(user, 'JD 246813');
    expect(await accountStatus(user)).to.equal('active');
  });

  it('XH then A – closes an empty wallet; QX cancels instead', async () => {
    const user = await h.openWallet(newMsisdn());
    await say(user, 'XH');
    await say(user, 'QX');
    expect(await accountStatus(user)).to.equal('active');
    await say(user, 'XH');
    await say(user, 'A');
    await waitFor(async () => (await accountStatus(user)) === 'closed');
  });

  it('a concatenated MO in reverse order – is reassembled and answered once', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await settle(user);
    const before = (await replyRows(user)).length;
    const parts = ['ZF ', `${merchant} `, '3'];
    for (let seq = 3; seq >= 1; seq--) {
      const answer = await smsc.mo(user, parts[seq - 1], { udh: { ref: 77, total: 3, seq } });
      expect(answer.commandStatus).to.equal(0);
    }
    await waitFor(async () => (await replyRows(user)).length > before);
    const [ask] = (await replyRows(user)).slice(before);
    expect(ask.text).to.include('3.00');
    await say(user, TEST_PIN);
    await settle(user);
    expect(await walletBalance(h, user)).to.equal(9_700n);
    expect(await paymentsFrom(user)).to.have.length(1);
    expect(await replyRows(user)).to.have.length(before + 2);
  });

  it('an MO – is stored before its deliver_sm_resp; the same text again on the live bind is answered again', async () => {
    const user = await h.openWallet(newMsisdn(), 100n);
    await settle(user);
    const first = await smsc.mo(user, 'YE');
    expect(first.commandStatus).to.equal(0);
    // Acknowledged means stored: the row is there as soon as the response is.
    expect(await h.db('sms_mo').where({ msisdn: user }).count('* as n').first()).to.deep.equal({ n: 1n });
    await waitFor(async () => (await replyRows(user)).length === 1);
    await say(user, 'YE'); // a person asking again
    expect(await replyRows(user)).to.have.length(2);
  });

  it('an exact copy after the bind was lost (the SMSC resending) – is acknowledged and dropped', async () => {
    const user = await h.openWallet(newMsisdn(), 100n);
    await settle(user);
    await say(user, 'MX');
    smsc.dropConnections();
    await waitFor(async () => !sms.bound, 5_000);
    await smsc.waitForBind(1, 15_000);
    await waitFor(async () => sms.bound, 15_000);
    const duplicates = async () =>
      (await sms.metrics.mo.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value ?? 0;
    const duplicatesBefore = await duplicates();
    const resend = await smsc.mo(user, 'MX');
    expect(resend.commandStatus).to.equal(0);
    // The store decides before the deliver_sm_resp: counted a duplicate, no row, so nothing to answer.
    expect(await duplicates()).to.equal(duplicatesBefore + 1);
    expect(await h.db('sms_mo').where({ msisdn: user }).count('* as n').first()).to.deep.equal({ n: 1n });
    await settle(user);
    expect(await replyRows(user)).to.have.length(1);
    // Something else, then the same text: a new message, answered.
    await say(user, 'YE');
    await say(user, 'MX');
    expect(await replyRows(user)).to.have.length(3);
  });

  it('a 300-character Chinese message – goes out as concatenated UCS2 parts that reassemble', async () => {
    const user = newMsisdn();
    const long = '您的手机钱包交易提醒'.repeat(30);
    expect([...long]).to.have.length(300);
    await queueMts(h.db, sms.outbound, [
      { jobId: `t-${randomUUID()}`, msisdn: user, text: long, reason: 'test', sensitive: false },
    ]);
    const [message] = await received(user, 1);
    expect(message.text).to.equal(long);
    expect(message.dataCoding).to.equal(8);
    expect(message.parts.length).to.equal(5);
    expect(message.parts.every((p) => p.registeredDelivery === 1)).to.equal(true);
    // The row is recorded as sent once the SMSC has answered every part (in the next batch of updates).
    const rowOf = () => h.db('sms_mt').where({ msisdn: user }).first();
    await waitFor(async () => (await rowOf()).status === 'sent');
    const row = await rowOf();
    expect(row.parts).to.equal(5);
    expect(row.message_ids).to.have.length(5);
  });

  it('delivery receipts – mark the MT delivered once every part is, or failed, matching hex or decimal ids', async () => {
    const user = newMsisdn();
    const jobId = `t-${randomUUID()}`;
    await queueMts(h.db, sms.outbound, [
      { jobId, msisdn: user, text: 'hello', reason: 'test', sensitive: false },
    ]);
    const [message] = await received(user, 1);
    await waitFor(async () => (await h.db('sms_mt').where({ job_id: jobId }).first()).status === 'sent');
    const answer = await smsc.dlr(message.parts[0].messageId, { decimalId: true });
    expect(answer.commandStatus).to.equal(0);
    await waitFor(async () => (await h.db('sms_mt').where({ job_id: jobId }).first()).status === 'delivered');

    const other = newMsisdn();
    const failedJob = `t-${randomUUID()}`;
    await queueMts(h.db, sms.outbound, [
      { jobId: failedJob, msisdn: other, text: 'bye', reason: 'test', sensitive: false },
    ]);
    const [bye] = await received(other, 1);
    await waitFor(async () => (await h.db('sms_mt').where({ job_id: failedJob }).first()).status === 'sent');
    await smsc.dlr(bye.parts[0].messageId, { stat: 'UNDELIV', err: '001' });
    await waitFor(
      async () => (await h.db('sms_mt').where({ job_id: failedJob }).first()).status === 'failed',
    );
    // A receipt is never read as a command: no reply went to the user for it.
    expect(to(other)).to.have.length(1);
  });

  it('ESME_RTHROTTLED on the first four submits of a batch of three – slows the sender: the queue’s limiter closes before anything is sent again, the job comes back without spending an attempt; each phone gets its SMS once', async () => {
    const users = [newMsisdn(), newMsisdn(), newMsisdn()];
    const mts = users.map((msisdn) => ({
      jobId: `t-${randomUUID()}`,
      msisdn,
      text: 'throttle test',
      reason: 'test',
      sensitive: false,
    }));
    const [{ id: jobId }] = batchesOf(mts);
    const submits = () => smsc.submits.filter((s) => users.includes(s.destination));
    const throttledBefore = (await sms.metrics.throttled.get()).values[0]?.value ?? 0;
    smsc.failNext(4, ESME_RTHROTTLED);
    await queueMts(h.db, sms.outbound, mts);

    // The job's first run: its three submits refused. Then the limiter of the whole queue (every sender
    // on this Redis) is closed, at SMPP_TPS 1000 by the throttle alone, and the job waits in the queue
    // with no attempt spent; while it is closed nothing was submitted again.
    await until('the first three submits were answered', async () => submits().length >= 3);
    await until(
      'the outbound queue is rate-limited with the job back in it',
      async () =>
        (await sms.outbound.getRateLimitTtl(h.config.smppTps)) > 0 &&
        (await sms.outbound.getJobState(jobId)) === 'waiting',
    );
    expect(submits().map((s) => s.status)).to.deep.equal([ESME_RTHROTTLED, ESME_RTHROTTLED, ESME_RTHROTTLED]);
    expect((await sms.outbound.getJob(jobId))?.attemptsMade).to.equal(0);

    await settle(...users);
    // Three runs (the first two ended throttled), one attempt: only the run that completed counts.
    const job = await sms.outbound.getJob(jobId);
    expect(await job?.getState()).to.equal('completed');
    expect([job?.attemptsStarted, job?.attemptsMade]).to.deep.equal([3, 1]);
    expect(
      (await h.db('sms_mt').whereIn('msisdn', users).orderBy('id')).map((r) => [
        r.msisdn,
        r.status,
        r.attempts,
      ]),
    ).to.deep.equal(users.map((u) => [u, 'sent', 1]));
    // Each MT sent again after its throttle until accepted, once: four refusals, three acceptances.
    for (const u of users) {
      const statuses = submits()
        .filter((s) => s.destination === u)
        .map((s) => s.status);
      expect(statuses.slice(-1), u).to.deep.equal([0]);
      expect(new Set(statuses.slice(0, -1)), u).to.deep.equal(new Set([ESME_RTHROTTLED]));
      expect(
        to(u).map((m) => m.text),
        u,
      ).to.deep.equal(['throttle test']);
    }
    expect(submits().filter((s) => s.status === ESME_RTHROTTLED)).to.have.length(4);
    const throttledAfter = (await sms.metrics.throttled.get()).values[0]?.value ?? 0;
    expect(throttledAfter - throttledBefore, 'throttled runs counted').to.equal(2);
  });

  it('a submit refused for good – marks the MT failed without retrying it', async () => {
    const user = newMsisdn();
    const jobId = `t-${randomUUID()}`;
    smsc.failNext(1, 0x0b); // ESME_RINVDSTADR
    await queueMts(h.db, sms.outbound, [
      { jobId, msisdn: user, text: 'nowhere', reason: 'test', sensitive: false },
    ]);
    await waitFor(async () => (await h.db('sms_mt').where({ job_id: jobId }).first()).status === 'failed');
    const row = await h.db('sms_mt').where({ job_id: jobId }).first();
    expect(row.attempts).to.equal(1);
  });

  it('the link dropped mid-conversation – reconnects; the PIN after it pays once and nothing is doubled', async () => {
    const user = await h.openWallet(newMsisdn(), 10_000n);
    await say(user, `ZF ${merchant} 1`);
    await settle(user);
    smsc.dropConnections();
    await waitFor(async () => !sms.bound, 5_000);
    await smsc.waitForBind(1, 15_000);
    await waitFor(async () => sms.bound, 15_000);
    await say(user, TEST_PIN);
    await settle(user);
    expect(await walletBalance(h, user)).to.equal(9_900n);
    expect(await paymentsFrom(user)).to.have.length(1);
  });

  it('an MO whose wake-up job was lost – is answered by the sweep', async () => {
    const user = await h.openWallet(newMsisdn(), 700n);
    await settle(user);
    const mo = await storeMo(h.db, keyringOf(h.config), {
      source: user,
      destination: h.config.shortCode,
      dataCoding: 0,
      text: 'YE',
      udh: null,
    });
    // Stored without a wake-up: no job names it, so nothing but a sweep can answer it.
    expect(await sms.inbound.queue.getJob(`mo-${mo.stored?.id}`)).to.equal(undefined);
    expect(await replyRows(user)).to.have.length(0);
    expect(await sms.inbound.sweep(0)).to.be.at.least(1);
    await settle(user);
    expect((await replyRows(user)).map((r) => r.text)).to.deep.equal(['余额¥7.00,可用¥7.00。']);
    expect(to(user).filter((m) => m.text === '余额¥7.00,可用¥7.00。')).to.have.length(1);
  });

  it('a reply stored with its MO answered but whose job never reached the queue – is queued again by the sweep from its row, and sent once', async () => {
    const user = newMsisdn();
    const mo = await storeMo(h.db, keyringOf(h.config), {
      source: user,
      destination: h.config.shortCode,
      dataCoding: 0,
      text: 'YE',
      udh: null,
    });
    const moId = mo.stored?.id as string;
    // What a crash between the statement and the queue leaves: the reply's row, the MO answered, no job.
    const reply = {
      jobId: `reply-${moId}-0`,
      msisdn: user,
      text: `stranded ${moId}`,
      reason: 'reply',
      sensitive: false,
    };
    await recordAnswers(h.db, batchesOf([reply]), [{ id: moId, text: 'YE' }]);
    expect((await h.db('sms_mo').where({ id: moId }).first()).status).to.equal('processed');
    // No job carries the reply: nothing can send it before a sweep.
    expect(await sms.outbound.getJob(reply.jobId)).to.equal(undefined);
    expect(to(user)).to.have.length(0);

    // Not yet stale: left alone. Stale: queued from the row, sent, and recorded as sent.
    expect(await requeueStranded(h.db, sms.outbound, 3600)).to.equal(0);
    expect(await requeueStranded(h.db, sms.outbound, 0)).to.be.at.least(1);
    const [sent] = await received(user, 1);
    expect(sent.text).to.equal(reply.text);
    await waitFor(
      async () => (await h.db('sms_mt').where({ job_id: reply.jobId }).first()).status === 'sent',
    );

    // A sweep that comes again finds nothing owed; the user got the reply once.
    expect(await requeueStranded(h.db, sms.outbound, 0)).to.equal(0);
    await settle(user);
    expect(to(user).map((m) => m.text)).to.deep.equal([reply.text]);
  });

  it(`a concatenated MO missing a part – parts 1 and 2 of 3 (Y, E) wait for the third; once ${CONCAT_WAIT_SECONDS} s have passed the sweep has the conversation answer what came (YE: the balance), once`, async () => {
    const user = await h.openWallet(newMsisdn(), 100n);
    await settle(user);
    expect((await smsc.mo(user, 'Y', { udh: { ref: 9, total: 3, seq: 1 } })).commandStatus).to.equal(0);
    expect((await smsc.mo(user, 'E', { udh: { ref: 9, total: 3, seq: 2 } })).commandStatus).to.equal(0);
    const parts = async () =>
      (await h.db('sms_mo').where({ msisdn: user }).orderBy('id')).map((r) => [r.concat_seq, r.status]);
    expect(await parts()).to.deep.equal([
      [1, 'received'],
      [2, 'received'],
    ]);
    const ids = (await h.db('sms_mo').where({ msisdn: user }).orderBy('id')).map((r) => String(r.id));

    // While the wait lasts, the channel's own worker (the real conversation behind it) leaves the parts
    // waiting, and the sweep does not take them.
    await sms.inbound.enqueue(ids[1], false, '-early');
    await waitFor(
      async () => (await sms.inbound.queue.getJob(`mo-${ids[1]}-early`))?.finishedOn !== undefined,
    );
    expect((await sms.inbound.queue.getJob(`mo-${ids[1]}-early`))?.returnvalue).to.equal('waiting for parts');
    expect((await leftBehind(h.db, 30)).filter((b) => ids.includes(b.id))).to.deep.equal([]);
    expect(await parts()).to.deep.equal([
      [1, 'received'],
      [2, 'received'],
    ]);

    // The wait is over: the parts are aged past it (this user's rows only), and the sweep runs them.
    await h
      .db('sms_mo')
      .where({ msisdn: user })
      .update({ received_at: h.db.raw(`received_at - interval '${CONCAT_WAIT_SECONDS + 1} seconds'`) });
    expect((await leftBehind(h.db, 30)).filter((b) => ids.includes(b.id))).to.deep.equal(
      ids.map((id) => ({ id, force: true })),
    );
    await sms.inbound.sweep();
    await settle(user);

    // Answered once, as YE: the first part keeps the joined text, the other ''.
    expect(
      (await h.db('sms_mo').where({ msisdn: user }).orderBy('id')).map((r) => [r.status, r.text]),
    ).to.deep.equal([
      ['processed', 'YE'],
      ['processed', ''],
    ]);
    expect((await replyRows(user)).map((r) => r.text)).to.deep.equal(['余额¥1.00,可用¥1.00。']);
    expect(to(user).filter((m) => m.text === '余额¥1.00,可用¥1.00。')).to.have.length(1);
  });

  it('offerOpen (the IVR asked, through the hand-off: runtime and outbox) – sends the agreement by SMS; the user’s A opens the wallet', async () => {
    const user = newMsisdn();
    await channelDepsOf(h).handOff.offerOpen(user);
    const [agreement] = await received(user, 1);
    expect(agreement.dataCoding).to.equal(8);
    await say(user, 'A');
    expect(await h.db('users').where({ msisdn: user }).first()).to.exist;
  });
});
