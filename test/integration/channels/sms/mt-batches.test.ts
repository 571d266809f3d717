/**
 * Outbound SMS in batches, end to end: MTs written together travel as one job of the outbound queue
 * (`batchesOf`, `queueMts`, `recordAnswers`, `queueJobs`), the MT sender takes a batch job and sends each
 * MT once through a real SMPP link to the SMSC simulator, across the limiter (SMPP_TPS counts submit_sm
 * parts, not jobs), SMSC throttling, an MT refused for good and a link that is down; and the sweep
 * (`requeueStranded`) queues a stranded batch again under its own id, never a second copy of a slow one.
 */
import { randomUUID } from 'node:crypto';
import { startSmsRig, stopSmsRig } from '../../../helpers/sms-rig.js';
import { expect } from 'chai';
import type { SmsChannel } from '../../../../src/channels/sms/index.js';
import { type StoredMo, storeMo } from '../../../../src/channels/sms/mo-store.js';
import {
  batchesOf,
  markFailed,
  markSent,
  type QueuedMt,
  queueJobs,
  queueMts,
  recordAnswers,
  recordQueued,
  requeueStranded,
} from '../../../../src/channels/sms/mt-store.js';
import { ESME_RTHROTTLED } from '../../../../src/channels/smpp/index.js';
import { MAX_MTS_PER_JOB } from '../../../../src/queue/names.js';
import { keyringOf } from '../../../../src/lib/keyring.js';
import type { Redis } from '../../../../src/lib/redis.js';
import { type Harness, newMsisdn } from '../../../helpers/harness.js';
import { waitFor } from '../../../helpers/ledger.js';
import { smsSettled, until } from '../../../helpers/sms-settled.js';
import { type ReceivedMessage, startTestSmsc, type TestSmsc } from '../../../helpers/smsc.js';

const ESME_RINVDSTADR = 0x0b;

/** An MT of this run's own (a fresh id and phone). */
function mt(text = `batch ${randomUUID().slice(0, 8)}`, reason = 'test'): QueuedMt {
  return { jobId: `t-${randomUUID()}`, msisdn: newMsisdn(), text, reason, sensitive: false };
}

const idsOf = (mts: readonly QueuedMt[]) => mts.map((m) => m.jobId);

/** Every job of `sms`'s outbound queue, whatever its state, whose data names one of `ids`. */
async function jobsNaming(sms: SmsChannel, ids: readonly string[]): Promise<string[]> {
  const jobs = await sms.outbound.getJobs([
    'active',
    'waiting',
    'delayed',
    'prioritized',
    'waiting-children',
    'completed',
    'failed',
  ]);
  const wanted = new Set(ids);
  const naming = jobs.filter((j) => j?.data?.mts?.some((m) => wanted.has(m.id)));
  return [...new Set(naming.map((j) => j.id as string))].sort();
}

/** An SMSC simulator, a harness at `smppTps`, and the SMS channel bound to the one over the other. */
const startChannel = (smppTps: number) => startSmsRig({ smppTps });

/** Waits until nothing more can reach `msisdns` through `sms` (sms-settled.ts); then what came is final. */
function settle(
  c: { smsc: TestSmsc; h: Harness; sms: SmsChannel },
  msisdns: readonly string[],
  timeoutMs?: number,
) {
  const queues = [c.sms.outbound, c.sms.inbound.queue, ...c.h.bus.allQueues];
  return smsSettled({ db: c.h.db, queues, smsc: c.smsc }, msisdns, timeoutMs);
}

const stopChannel = (c: { smsc?: TestSmsc; h?: Harness; sms?: SmsChannel }) => stopSmsRig(c);

describe('SMS channel – MTs in batches (real SMSC simulator, BullMQ and PostgreSQL)', function () {
  this.timeout(60_000);
  let smsc: TestSmsc;
  let h: Harness;
  let sms: SmsChannel;

  before(async () => {
    ({ smsc, h, sms } = await startChannel(1000));
  });
  after(() => stopChannel({ smsc, h, sms }));

  const to = (msisdn: string) => smsc.messages.filter((m) => m.destination === msisdn);
  const rowOf = (jobId: string) => h.db('sms_mt').where({ job_id: jobId }).first();
  const rowsOf = (mts: readonly QueuedMt[]) => h.db('sms_mt').whereIn('job_id', idsOf(mts)).orderBy('id');

  /** Waits until nothing more can reach the MTs' phones, then checks each got exactly its one SMS. */
  async function eachReceivedOnce(mts: readonly QueuedMt[], timeoutMs = 20_000): Promise<ReceivedMessage[]> {
    // A duplicate (a job run twice) reaches the SMSC before its job completes: once the queues are
    // drained and no MT is queued, what each phone got is all it will get.
    await settle(
      { smsc, h, sms },
      mts.map((m) => m.msisdn),
      timeoutMs,
    );
    for (const m of mts) {
      expect(
        to(m.msisdn).map((r) => r.text),
        `what ${m.msisdn} received`,
      ).to.deep.equal([m.text]);
    }
    return mts.map((m) => to(m.msisdn)[0]);
  }

  /** Waits until every MT's row has left `queued` (sent by the worker, recorded by the next update). */
  async function allSent(mts: readonly QueuedMt[]): Promise<void> {
    await waitFor(async () => (await rowsOf(mts)).every((r) => r.status === 'sent'), 20_000);
  }

  it('queueMts – three MTs written together – one job `batch-<first>-3-<digest>` carries them; each phone gets its text once; the rows are sent with that batch id', async () => {
    const mts = [mt(), mt(), mt()];
    const [{ id: batchId }] = batchesOf(mts);
    await queueMts(h.db, sms.outbound, mts);

    // One job for the three, under the batch id; none under an MT's own id.
    expect(await jobsNaming(sms, idsOf(mts))).to.deep.equal([batchId]);
    const job = await sms.outbound.getJob(batchId);
    expect(job?.data.mts).to.deep.equal(
      mts.map((m) => ({ id: m.jobId, msisdn: m.msisdn, text: m.text, reason: m.reason, sensitive: false })),
    );
    for (const m of mts) expect(await sms.outbound.getJob(m.jobId), m.jobId).to.equal(undefined);

    await eachReceivedOnce(mts);
    await allSent(mts);
    const rows = await rowsOf(mts);
    expect(rows.map((r) => [r.job_id, r.status, r.batch_id])).to.deep.equal(
      mts.map((m) => [m.jobId, 'sent', batchId]),
    );
  });

  it(`queueMts – sixty MTs – two jobs of ${MAX_MTS_PER_JOB} and 10 under the ids batchesOf gives; all sixty arrive once`, async () => {
    const mts = Array.from({ length: 60 }, () => mt());
    const ids = batchesOf(mts).map((b) => b.id);
    expect(ids[0]).to.match(new RegExp(`^batch-${mts[0].jobId}-50-`));
    expect(ids[1]).to.match(new RegExp(`^batch-${mts[50].jobId}-10-`));
    expect(batchesOf(mts).map((b) => b.mts.length)).to.deep.equal([50, 10]);
    await queueMts(h.db, sms.outbound, mts);

    expect(await jobsNaming(sms, idsOf(mts))).to.deep.equal([...ids].sort());
    const [first, second] = await Promise.all(ids.map((id) => sms.outbound.getJob(id)));
    expect(first?.data.mts.map((m) => m.id)).to.deep.equal(idsOf(mts.slice(0, 50)));
    expect(second?.data.mts.map((m) => m.id)).to.deep.equal(idsOf(mts.slice(50)));

    await eachReceivedOnce(mts);
    await allSent(mts);
    const rows = await rowsOf(mts);
    expect(rows.filter((r) => r.batch_id === ids[0])).to.have.length(50);
    expect(rows.filter((r) => r.batch_id === ids[1])).to.have.length(10);
  });

  it('ESME_RTHROTTLED on two submits of a batch of four – the queue pauses (its limiter closed) and the job comes back without spending an attempt; each phone gets one SMS, the rows are sent', async () => {
    const throttledBefore = (await sms.metrics.throttled.get()).values[0]?.value ?? 0;
    const mts = [mt(), mt(), mt(), mt()];
    const [{ id: batchId }] = batchesOf(mts);
    const mine = () => smsc.submits.filter((s) => mts.some((m) => m.msisdn === s.destination));
    smsc.failNext(2, ESME_RTHROTTLED);
    await queueMts(h.db, sms.outbound, mts);

    // The first run's four submits answered, two refused: the queue's limiter closes (at SMPP_TPS 1000
    // only a throttle closes it) with the job back in the queue, before any MT is submitted again.
    await until(
      'the first run’s four submits were answered',
      async () => mine().every((s) => s.status !== undefined) && mine().length >= 4,
    );
    await until(
      'the outbound queue is rate-limited with the job back in it',
      async () =>
        (await sms.outbound.getRateLimitTtl(h.config.smppTps)) > 0 &&
        (await sms.outbound.getJobState(batchId)) === 'waiting',
    );
    expect(mine()).to.have.length(4);

    await eachReceivedOnce(mts);
    await allSent(mts);
    // The SMSC did throttle this batch (two submits refused), and the channel counted it.
    const refused = mine().filter((s) => s.status === ESME_RTHROTTLED);
    expect(refused).to.have.length(2);
    expect(mine()).to.have.length(6);
    const throttledAfter = (await sms.metrics.throttled.get()).values[0]?.value ?? 0;
    expect(throttledAfter - throttledBefore).to.equal(1);
    // Two runs, one attempt; each row sent at its first.
    const job = await sms.outbound.getJob(batchId);
    expect([job?.attemptsStarted, job?.attemptsMade]).to.deep.equal([2, 1]);
    expect((await rowsOf(mts)).map((r) => r.attempts)).to.deep.equal([1, 1, 1, 1]);
  });

  it('ESME_RINVDSTADR on one MT of a batch of three – that MT fails after one attempt, the other two are sent once; the job completes', async () => {
    const mts = [mt(), mt(), mt()];
    const [{ id: batchId }] = batchesOf(mts);
    smsc.failNext(1, ESME_RINVDSTADR);
    await queueMts(h.db, sms.outbound, mts);

    await waitFor(async () => (await rowsOf(mts)).every((r) => r.status !== 'queued'), 20_000);
    const rows = await rowsOf(mts);
    const failed = rows.filter((r) => r.status === 'failed');
    expect(failed, 'failed rows').to.have.length(1);
    expect(failed[0].attempts).to.equal(1);
    expect(failed[0].error).to.be.a('string').and.not.equal('');
    const sent = mts.filter((m) => m.jobId !== failed[0].job_id);
    expect(rows.filter((r) => r.status === 'sent').map((r) => r.job_id)).to.have.members(idsOf(sent));

    await eachReceivedOnce(sent);
    // The refused one reached the SMSC once and never again (not retried), and no phone got it.
    expect(to(failed[0].msisdn)).to.have.length(0);
    expect(smsc.submits.filter((s) => s.destination === failed[0].msisdn)).to.have.length(1);
    await waitFor(async () => (await sms.outbound.getJob(batchId))?.finishedOn !== undefined);
    expect(await (await sms.outbound.getJob(batchId))?.getState()).to.equal('completed');
  });

  it('requeueStranded while the SMSC is down – counts the batch’s two MTs but adds no job beside the batch’s own; once the SMSC is back each phone gets one SMS', async () => {
    const port = smsc.port;
    // The SMSC goes away altogether (nothing listens, every reconnect fails), so the batch cannot go out.
    await smsc.close();
    await waitFor(async () => !sms.bound, 5_000);
    const mts = [mt(), mt()];
    const [{ id: batchId }] = batchesOf(mts);
    await queueMts(h.db, sms.outbound, mts);
    // The job ran and failed for want of a link: the batch is slow, waiting for its retry.
    await waitFor(async () => (await rowsOf(mts)).every((r) => r.attempts >= 1), 10_000);
    expect((await rowsOf(mts)).map((r) => r.status)).to.deep.equal(['queued', 'queued']);

    expect(await requeueStranded(h.db, sms.outbound, 0)).to.equal(2);
    // Re-added under the batch's id, which the queue holds already: still one job for the two MTs.
    expect(await jobsNaming(sms, idsOf(mts))).to.deep.equal([batchId]);
    for (const m of mts) expect(await sms.outbound.getJob(m.jobId), m.jobId).to.equal(undefined);

    smsc = await startTestSmsc({}, port);
    await smsc.waitForBind(1, 20_000);
    await eachReceivedOnce(mts, 30_000);
    await allSent(mts);
  });

  /** A stored MO from a new phone and the two replies (not yet recorded) its answer would give. */
  async function moWithTwoReplies(text: string) {
    const user = newMsisdn();
    const mo = await storeMo(h.db, keyringOf(h.config), {
      source: user,
      destination: h.config.shortCode,
      dataCoding: 0,
      text,
      udh: null,
    });
    const moId = mo.stored?.id as string;
    const replies: QueuedMt[] = [0, 1].map((n) => ({
      jobId: `reply-${moId}-${n}`,
      msisdn: user,
      text: `answer ${n} to ${moId}`,
      reason: 'reply',
      sensitive: false,
    }));
    return { user, moId, replies };
  }

  /** Waits until nothing more can reach the user, then checks each reply arrived exactly once and is sent. */
  async function bothRepliesOnce(user: string, replies: readonly QueuedMt[]): Promise<void> {
    await settle({ smsc, h, sms }, [user]);
    expect(to(user).map((m) => m.text)).to.have.members(replies.map((r) => r.text));
    expect(to(user)).to.have.length(2);
    await allSent(replies);
  }

  it('recordAnswers twice with the same batch (an MO answered twice at once) – the first call returns the batch, the second []; queueing both sends each reply once', async () => {
    const { user, moId, replies } = await moWithTwoReplies('YE');
    const batches = batchesOf(replies);

    const first = await recordAnswers(h.db, batches, [{ id: moId, text: 'YE' }]);
    const second = await recordAnswers(h.db, batches, [{ id: moId, text: 'YE' }]);
    expect(first).to.deep.equal(batches);
    expect(second).to.deep.equal([]);
    expect((await h.db('sms_mo').where({ id: moId }).first()).status).to.equal('processed');

    await queueJobs(sms.outbound, first);
    await queueJobs(sms.outbound, second);
    await bothRepliesOnce(user, replies);
  });

  it('a batch of two replies stored with its MO answered but no job – the sweep re-adds one job `batch-<first>-2-<digest>`; both replies arrive once; a second sweep finds nothing', async () => {
    const { user, moId, replies } = await moWithTwoReplies('MX');
    // What a crash between the statement and the queue leaves: the rows, the MO answered, no job.
    const [{ id: batchId }] = batchesOf(replies);
    await recordAnswers(h.db, batchesOf(replies), [{ id: moId, text: 'MX' }]);
    expect(await jobsNaming(sms, idsOf(replies))).to.deep.equal([]);
    expect((await rowOf(replies[0].jobId)).batch_id).to.equal(batchId);

    expect(await requeueStranded(h.db, sms.outbound, 3600)).to.equal(0);
    expect(await requeueStranded(h.db, sms.outbound, 0)).to.equal(2);
    expect(await jobsNaming(sms, idsOf(replies))).to.deep.equal([batchId]);
    expect((await sms.outbound.getJob(batchId))?.data.mts.map((m) => m.id)).to.deep.equal(idsOf(replies));

    await bothRepliesOnce(user, replies);
    expect(await requeueStranded(h.db, sms.outbound, 0)).to.equal(0);
  });

  it('markFailed on a batch where one MT was sent – the sent one stays sent, only the queued one fails', async () => {
    const [done, owed] = [mt(), mt()];
    await recordQueued(h.db, batchesOf([done, owed]));
    await markSent(h.db, [{ jobId: done.jobId, messageIds: ['A1B2C3'], parts: 1, attempts: 1 }]);

    await markFailed(h.db, [done.jobId, owed.jobId], 'gave up', 20);

    expect(await rowOf(done.jobId)).to.deep.include({
      status: 'sent',
      error: null,
      attempts: 1,
      done_at: null,
    });
    const failed = await rowOf(owed.jobId);
    expect(failed).to.deep.include({ status: 'failed', error: 'gave up', attempts: 20 });
    expect(failed.done_at).to.be.instanceOf(Date);
  });

  describe('an MO answered twice at once (a sweep re-woke it while it ran)', () => {
    const store = async (msisdn: string, text: string) =>
      (
        await storeMo(h.db, keyringOf(h.config), {
          source: msisdn,
          destination: h.config.shortCode,
          dataCoding: 0,
          text,
          udh: null,
        })
      ).stored as StoredMo;
    /** A conversation whose answers to a phone wait until the test opens that phone's next gate. */
    function gatedConversation() {
      const gates = new Map<string, (() => void)[]>();
      const conversation = {
        handle: (msisdn: string) =>
          new Promise<string[]>((answer) =>
            gates.set(msisdn, [...(gates.get(msisdn) ?? []), () => answer([`reply to ${msisdn}`])]),
          ),
        offerOpen: async () => [],
      };
      /** How many steps for `msisdn` are waiting at their gate (each run past the MO's status check). */
      const reached = (msisdn: string) => gates.get(msisdn)?.length ?? 0;
      const open = (msisdn: string, n: number) => gates.get(msisdn)?.[n]();
      return { conversation, reached, open };
    }

    it('both runs written together – the reply is stored and sent once', async () => {
      const user = newMsisdn();
      const mo = await store(user, 'YE');
      const { conversation, reached, open } = gatedConversation();
      const runs = [1, 2].map(() => sms.inbound.process({ moId: mo.id }, conversation, sms.outbound));
      await waitFor(async () => reached(user) === 2);
      open(user, 0);
      open(user, 1);
      await Promise.all(runs);
      await settle({ smsc, h, sms }, [user]);
      expect(to(user).map((m) => m.text)).to.deep.equal([`reply to ${user}`]);
    });

    it('the runs written apart, each beside another MO – every reply goes out once, the other MOs’ too', async () => {
      const [a, b, c] = [newMsisdn(), newMsisdn(), newMsisdn()];
      const [moA, moB, moC] = [await store(a, 'YE'), await store(b, 'YE'), await store(c, 'YE')];
      const { conversation, reached, open } = gatedConversation();
      const run = (id: string) => sms.inbound.process({ moId: id }, conversation, sms.outbound);
      const [a1, a2, runB, runC] = [run(moA.id), run(moA.id), run(moB.id), run(moC.id)];
      await waitFor(async () => reached(a) === 2 && reached(b) === 1 && reached(c) === 1);
      // The first write holds A's first run and B; the second, A's second run and C. Which of A's two runs
      // reached its gate first is not fixed (each reads the MO's status first), so the first gate opened
      // releases whichever did: wait for that one, not for a named one (which could wait for ever).
      open(a, 0);
      open(b, 0);
      await Promise.all([Promise.race([a1, a2]), runB]);
      open(a, 1);
      open(c, 0);
      await Promise.all([a1, a2, runC]);
      await settle({ smsc, h, sms }, [a, b, c]);
      for (const u of [a, b, c])
        expect(
          to(u).map((m) => m.text),
          u,
        ).to.deep.equal([`reply to ${u}`]);
      expect(await h.db('sms_mt').whereIn('msisdn', [a, b, c]).where({ status: 'queued' })).to.have.length(0);
    });
  });

  describe('at SMPP_TPS 3 (a channel of its own)', () => {
    let slowSmsc: TestSmsc;
    let slow: Harness;
    let slowSms: SmsChannel;
    let limiter: Redis;
    /**
     * The outbound queue's limiter counter (BullMQ's key: submit_sm charged in its current one-second
     * window) as each submit_sm reached the SMSC. The GET leaves in the tick the submit arrives in,
     * before its response does, so the job's run is still in flight and its window still open: the value
     * is what the window it went out in had charged.
     */
    const charged: Promise<{ destination: string; counter: number }>[] = [];

    before(async () => {
      ({ smsc: slowSmsc, h: slow, sms: slowSms } = await startChannel(3));
      limiter = slow.connection();
      await limiter.ping();
      slowSmsc.on('submit', (s) => {
        charged.push(
          limiter
            .get(slowSms.outbound.keys.limiter)
            .then((v) => ({ destination: s.destination, counter: Number(v) })),
        );
      });
    });
    after(() => stopChannel({ smsc: slowSmsc, h: slow, sms: slowSms }));

    it('a batch of a 5-part Chinese MT and four short ones – the limiter counts the nine submit_sm, not the one job: spread over three one-second windows (5, then 3, then 1), the job coming back between them without spending an attempt; each MT sent once', async () => {
      const long = '余额'.repeat(150);
      expect([...long]).to.have.length(300);
      const mts = [mt(long), mt('short 1'), mt('short 2'), mt('short 3'), mt('short 4')];
      const [{ id: batchId }] = batchesOf(mts);
      await queueMts(slow.db, slowSms.outbound, mts);

      await settle(
        { smsc: slowSmsc, h: slow, sms: slowSms },
        mts.map((m) => m.msisdn),
        30_000,
      );
      const at = (m: QueuedMt) => slowSmsc.messages.filter((r) => r.destination === m.msisdn);
      for (const m of mts) {
        expect(
          at(m).map((r) => r.text),
          m.msisdn,
        ).to.deep.equal([m.text]);
      }
      // Every PDU the SMSC got: five parts for the long MT, one for each short one, none refused.
      const pdus = (m: QueuedMt) => slowSmsc.submits.filter((s) => s.destination === m.msisdn);
      expect(pdus(mts[0])).to.have.length(5);
      expect(at(mts[0])[0].parts.map((p) => p.concat?.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      for (const m of mts.slice(1)) expect(pdus(m), m.text).to.have.length(1);
      expect(slowSmsc.submits.every((s) => s.status === 0)).to.equal(true);

      // What the limiter had charged as each submit went out. A window's counter only grows until the
      // window ends, so each drop starts a new one: the long MT's five parts in the first (a job's first
      // MT goes whole, even past SMPP_TPS), three short ones in the second (its full SMPP_TPS), the last
      // one in the third. Counting the job rather than its parts would read 1, 1, … in one window.
      const readings = await Promise.all(charged);
      const phone = new Map(mts.map((m, i) => [m.msisdn, i === 0 ? 'long' : m.text]));
      expect(readings.map((r) => [phone.get(r.destination), r.counter])).to.deep.equal([
        ['long', 5],
        ['long', 5],
        ['long', 5],
        ['long', 5],
        ['long', 5],
        ['short 1', 3],
        ['short 2', 3],
        ['short 3', 3],
        ['short 4', 1],
      ]);
      // Between the windows the job went back to the queue (the limiter's RateLimitError), which spends
      // no attempt: three runs, one attempt, and each row sent at its first attempt.
      const job = await slowSms.outbound.getJob(batchId);
      expect(await job?.getState()).to.equal('completed');
      expect([job?.attemptsStarted, job?.attemptsMade]).to.deep.equal([3, 1]);
      const rows = await slow.db('sms_mt').whereIn('job_id', idsOf(mts)).orderBy('id');
      expect(rows.map((r) => [r.status, r.parts, r.attempts])).to.deep.equal([
        ['sent', 5, 1],
        ['sent', 1, 1],
        ['sent', 1, 1],
        ['sent', 1, 1],
        ['sent', 1, 1],
      ]);
    });
  });
});
