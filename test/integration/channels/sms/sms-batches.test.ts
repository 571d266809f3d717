/**
 * The SMS store's batch statements against a real PostgreSQL: `storeMos` (one INSERT … SELECT FROM unnest
 * for many MOs, one outcome per input in input order; the texts sealed) and `markSent` (one UPDATE for many
 * MTs, each MT's message ids joined with chr(31) and split again in SQL). Every sender and job id is fresh, so the tests
 * share the run's database without seeing each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  DUPLICATE_WINDOW_SECONDS,
  type InboundMo,
  loadMo,
  type StoreOutcome,
  storeMo,
  storeMos,
} from '../../../../src/channels/sms/mo-store.js';
import {
  applyReceipt,
  applyReceipts,
  batchesOf,
  markSent,
  mtStatus,
  type QueuedMt,
  recordQueued,
} from '../../../../src/channels/sms/mt-store.js';
import { createDb, type Db } from '../../../../src/lib/db.js';
import { keyringOf } from '../../../../src/lib/keyring.js';
import { newMsisdn } from '../../../helpers/harness.js';
import { testEnv } from '../../../helpers/setup.js';

const SHORT_CODE = '10658';
const keyring = keyringOf({ pinKey: testEnv().pinKey });
/** A waiting MO's row holds its text sealed: what it holds in clear. */
const plain = (row: { text: string }) => keyring.unseal(row.text);

/** A whole MO (no concatenation header) from `source`. */
function mo(source: string, text: string, extra: Partial<InboundMo> = {}): InboundMo {
  return { source, destination: SHORT_CODE, dataCoding: 8, text, udh: null, ...extra };
}

/** Part `seq` of `total` of concatenated message `ref`. */
function part(source: string, text: string, ref: number, total: number, seq: number): InboundMo {
  return mo(source, text, { udh: { ref, total, seq } });
}

/** The id of a stored outcome; fails the test on a duplicate. */
function idOf(outcome: StoreOutcome): bigint {
  expect(outcome.duplicate, 'stored, not a duplicate').to.equal(false);
  expect(outcome.stored, 'the stored row').to.not.equal(null);
  return BigInt(outcome.stored!.id);
}

describe('SMS store batches (real PostgreSQL)', () => {
  let db: Db;
  before(() => {
    db = createDb(testEnv().databaseUrl, 4);
  });
  after(() => db.destroy());

  const rowsOf = (msisdn: string) => db('sms_mo').where({ msisdn }).orderBy('id');

  describe('storeMos', () => {
    it('storeMos – a batch of MOs from different senders – each stored with its own id, ids ascending in input order, rows hold their own text and canonical msisdn', async () => {
      const [a, b, c, d, e] = [newMsisdn(), newMsisdn(), newMsisdn(), newMsisdn(), newMsisdn()];
      const batch = [
        mo(a.slice(2), 'YE', { session: 's1' }), // national form: 139… → 86139…
        mo(`+${b}`, 'ZF 2001 12.50', { session: 's1' }),
        mo(c, 'a "quoted", {braced} back\\slash', { session: 's2' }),
        mo(`00${d}`, '余额 ¥12.50'),
        part(e.slice(2), 'first half ', 77, 2, 1),
      ];
      const outcomes = await storeMos(db, keyring, batch, ['s1', 's2']);

      expect(outcomes).to.have.length(batch.length);
      const ids = outcomes.map(idOf);
      expect(new Set(ids).size, 'distinct ids').to.equal(batch.length);
      for (let i = 1; i < ids.length; i++)
        expect(ids[i] > ids[i - 1], `id ${i} after id ${i - 1}`).to.equal(true);

      const expected = [
        { msisdn: a, text: 'YE', session: 's1', concat: null },
        { msisdn: b, text: 'ZF 2001 12.50', session: 's1', concat: null },
        { msisdn: c, text: 'a "quoted", {braced} back\\slash', session: 's2', concat: null },
        { msisdn: d, text: '余额 ¥12.50', session: null, concat: null },
        { msisdn: e, text: 'first half ', session: null, concat: { ref: 77, total: 2, seq: 1 } },
      ];
      for (const [i, want] of expected.entries()) {
        expect(outcomes[i].stored, `outcome ${i}`).to.deep.equal({
          id: String(ids[i]),
          msisdn: want.msisdn,
          text: want.text,
          status: 'received',
          concat: want.concat,
          overLimit: false,
        });
        const row = await db('sms_mo')
          .where({ id: String(ids[i]) })
          .first();
        expect(row, `row ${i}`).to.include({
          msisdn: want.msisdn,
          destination: SHORT_CODE,
          data_coding: 8,
          link_session: want.session,
          status: 'received',
          over_limit: false,
        });
        expect(keyring.isSealed(row.text), `row ${i} sealed`).to.equal(true);
        expect(plain(row), `row ${i} unsealed`).to.equal(want.text);
        expect(await loadMo(db, keyring, String(ids[i])), `loadMo ${i}`).to.deep.equal(outcomes[i].stored);
      }
      // One row per sender, nothing more.
      for (const m of [a, b, c, d, e]) expect(await rowsOf(m), m).to.have.length(1);
    });

    it('storeMos – the same part twice in one batch – stores one row; the second copy is the duplicate, another sender’s identical part is not', async () => {
      const user = newMsisdn();
      const other = newMsisdn();
      const outcomes = await storeMos(db, keyring, [
        part(user, 'Hello ', 12, 2, 1),
        part(user, 'Hello ', 12, 2, 1),
        part(other, 'Hello ', 12, 2, 1),
        part(user, 'world', 12, 2, 2),
      ]);

      expect(outcomes.map((o) => o.duplicate)).to.deep.equal([false, true, false, false]);
      expect(outcomes[1].stored).to.equal(null);
      const [first, , others, second] = outcomes.map((o) => o.stored);
      expect(first).to.deep.include({ msisdn: user, text: 'Hello ', concat: { ref: 12, total: 2, seq: 1 } });
      expect(others).to.deep.include({
        msisdn: other,
        text: 'Hello ',
        concat: { ref: 12, total: 2, seq: 1 },
      });
      expect(second).to.deep.include({ msisdn: user, text: 'world', concat: { ref: 12, total: 2, seq: 2 } });

      const rows = await rowsOf(user);
      expect(rows.map((r) => [String(r.id), r.concat_seq, plain(r)])).to.deep.equal([
        [first!.id, 1, 'Hello '],
        [second!.id, 2, 'world'],
      ]);
      expect(await rowsOf(other)).to.have.length(1);
    });

    it(`storeMos – a part stored within ${DUPLICATE_WINDOW_SECONDS} s comes again in a later batch – duplicate, while its batch-mates are stored`, async () => {
      const user = newMsisdn();
      const other = newMsisdn();
      idOf(await storeMo(db, keyring, part(user, 'abc', 5, 3, 2), ['s1']));
      const outcomes = await storeMos(
        db,
        keyring,
        [mo(other, 'YE'), part(user, 'abc', 5, 3, 2), part(user, 'def', 5, 3, 3)],
        ['s1'],
      );

      expect(outcomes.map((o) => o.duplicate)).to.deep.equal([false, true, false]);
      expect(outcomes[0].stored).to.deep.include({ msisdn: other, text: 'YE' });
      expect(outcomes[2].stored).to.deep.include({
        msisdn: user,
        text: 'def',
        concat: { ref: 5, total: 3, seq: 3 },
      });
      expect((await rowsOf(user)).map((r) => r.concat_seq)).to.deep.equal([2, 3]);
    });

    it('storeMos – the same whole text twice in one batch on the same live session – stores two rows (a person asking twice)', async () => {
      const user = newMsisdn();
      const outcomes = await storeMos(
        db,
        keyring,
        [mo(user, 'YE', { session: 'live-1' }), mo(user, 'YE', { session: 'live-1' })],
        ['live-1'],
      );

      const ids = outcomes.map(idOf);
      expect(ids[1] > ids[0], 'the second after the first').to.equal(true);
      const rows = await rowsOf(user);
      expect(rows.map((r) => String(r.id))).to.deep.equal(ids.map(String));
      expect(rows.every((r) => plain(r) === 'YE' && r.link_session === 'live-1')).to.equal(true);
    });

    it('storeMo – a whole MO equal to the sender’s latest, which came on session a, now gone, arrives on session b – duplicate, stored once', async () => {
      const user = newMsisdn();
      const first = idOf(await storeMo(db, keyring, mo(user, 'YE', { session: 'a' }), ['a']));
      const again = await storeMo(db, keyring, mo(user, 'YE', { session: 'b' }), ['b']);

      expect(again).to.deep.equal({ duplicate: true, stored: null });
      expect((await rowsOf(user)).map((r) => String(r.id))).to.deep.equal([String(first)]);
    });

    it('storeMo – the same, but session a is still live – stored (a person asking again)', async () => {
      const user = newMsisdn();
      idOf(await storeMo(db, keyring, mo(user, 'YE', { session: 'a' }), ['a']));
      const again = await storeMo(db, keyring, mo(user, 'YE', { session: 'b' }), ['a', 'b']);

      const id = idOf(again);
      expect(again.stored).to.deep.include({ msisdn: user, text: 'YE', concat: null });
      const rows = await rowsOf(user);
      expect(rows.map((r) => r.link_session)).to.deep.equal(['a', 'b']);
      expect(String(rows[1].id)).to.equal(String(id));
    });

    it('storeMo – a whole MO equal to an earlier one but not to the sender’s latest (XH, QX, XH) on a new session – stored', async () => {
      const user = newMsisdn();
      idOf(await storeMo(db, keyring, mo(user, 'XH', { session: 'a' }), ['a']));
      idOf(await storeMo(db, keyring, mo(user, 'QX', { session: 'a' }), ['a']));
      const again = await storeMo(db, keyring, mo(user, 'XH', { session: 'b' }), ['b']);

      idOf(again);
      expect((await rowsOf(user)).map(plain)).to.deep.equal(['XH', 'QX', 'XH']);
    });

    it('storeMos – a resend on a new session between other senders’ MOs – only the resend is the duplicate; the others keep their own ids in order', async () => {
      const user = newMsisdn();
      const [before, after] = [newMsisdn(), newMsisdn()];
      idOf(await storeMo(db, keyring, mo(user, 'YE', { session: 'a' }), ['a']));
      const outcomes = await storeMos(
        db,
        keyring,
        [
          mo(before, 'MX', { session: 'b' }),
          mo(user, 'YE', { session: 'b' }),
          mo(after, 'BZ', { session: 'b' }),
        ],
        ['b'],
      );

      expect(outcomes.map((o) => o.duplicate)).to.deep.equal([false, true, false]);
      expect(outcomes[0].stored).to.deep.include({ msisdn: before, text: 'MX' });
      expect(outcomes[2].stored).to.deep.include({ msisdn: after, text: 'BZ' });
      expect(BigInt(outcomes[2].stored!.id) > BigInt(outcomes[0].stored!.id)).to.equal(true);
      expect((await rowsOf(before)).map((r) => String(r.id))).to.deep.equal([outcomes[0].stored!.id]);
      expect((await rowsOf(after)).map((r) => String(r.id))).to.deep.equal([outcomes[2].stored!.id]);
      expect(await rowsOf(user)).to.have.length(1);
    });

    it('storeMos – after session a went down the SMSC delivers its backlog in one batch on b: the resend of XH, then QX, then XH – the resend is the duplicate, QX and the new XH are stored (as one by one)', async () => {
      const user = newMsisdn();
      idOf(await storeMo(db, keyring, mo(user, 'XH', { session: 'a' }), ['a']));
      const outcomes = await storeMos(
        db,
        keyring,
        [
          mo(user, 'XH', { session: 'b' }),
          mo(user, 'QX', { session: 'b' }),
          mo(user, 'XH', { session: 'b' }),
        ],
        ['b'],
      );

      // Stored one by one, the last XH follows QX, the sender's latest: a person changing their mind.
      expect(outcomes.map((o) => o.duplicate)).to.deep.equal([true, false, false]);
      expect((await rowsOf(user)).map(plain)).to.deep.equal(['XH', 'QX', 'XH']);
    });

    it('storeMos – an MO whose text holds U+0000 (which PostgreSQL text refuses) among others – all stored, the NUL kept as U+FFFD', async () => {
      const [a, b] = [newMsisdn(), newMsisdn()];
      const outcomes = await storeMos(db, keyring, [mo(a, 'Y\u0000E'), mo(b, 'YE')], ['a']);
      expect(outcomes.map((o) => o.duplicate)).to.deep.equal([false, false]);
      expect(outcomes[0].stored?.text).to.equal('Y\ufffdE');
      expect((await rowsOf(a)).map(plain)).to.deep.equal(['Y\ufffdE']);
      expect((await rowsOf(b)).map(plain)).to.deep.equal(['YE']);
    });

    it('storeMos – with a limit of 2 a minute, a batch of four MOs from one sender and one from another, then one more – the sender’s third and later are over the limit, the other’s is not', async () => {
      const [user, other] = [newMsisdn(), newMsisdn()];
      const batch = await storeMos(
        db,
        keyring,
        [
          mo(user, 'YE', { session: 's' }),
          mo(other, 'YE', { session: 's' }),
          mo(user, 'MX', { session: 's' }),
          mo(user, 'JD 654321', { session: 's' }),
          mo(user, 'YE', { session: 's' }),
        ],
        ['s'],
        2,
      );
      expect(batch.map((o) => o.stored?.overLimit)).to.deep.equal([false, false, false, true, true]);
      const later = await storeMo(db, keyring, mo(user, 'BZ', { session: 's' }), ['s'], 2);
      expect(later.stored?.overLimit).to.equal(true);
      expect((await rowsOf(user)).map((r) => r.over_limit)).to.deep.equal([false, false, true, true, true]);
      expect((await rowsOf(other)).map((r) => r.over_limit)).to.deep.equal([false]);
      // Without a limit, nothing is over it.
      expect(
        (await storeMo(db, keyring, mo(user, 'KT', { session: 's' }), ['s'])).stored?.overLimit,
      ).to.equal(false);
    });

    it('storeMos – an empty batch – returns [] and stores nothing', async () => {
      const count = async () => Number((await db('sms_mo').count('* as n').first())?.n);
      const before = await count();
      expect(await storeMos(db, keyring, [], ['a'])).to.deep.equal([]);
      expect(await count()).to.equal(before);
    });
  });

  describe('markSent', () => {
    const queued = (reason = 'reply'): QueuedMt => ({
      jobId: `test-${randomUUID()}`,
      msisdn: newMsisdn(),
      text: `text ${randomUUID().slice(0, 8)}`,
      reason,
      sensitive: false,
    });
    const rowOf = (jobId: string) => db('sms_mt').where({ job_id: jobId }).first();

    it('markSent – three queued MTs in one call (two ids, none, one) – each row sent with its own normalized ids, parts and attempts; a queued MT outside the call is untouched', async () => {
      const [two, none, one, outside] = [queued(), queued(), queued(), queued('notify.paid')];
      await recordQueued(db, batchesOf([two, none, one, outside]));

      await markSent(db, [
        { jobId: two.jobId, messageIds: ['A1', 'B2'], parts: 2, attempts: 1 },
        { jobId: none.jobId, messageIds: [], parts: 1, attempts: 3 },
        { jobId: one.jobId, messageIds: ['0000FF9'], parts: 1, attempts: 2 },
      ]);

      const [rowTwo, rowNone, rowOne, rowOutside] = await Promise.all(
        [two, none, one, outside].map((m) => rowOf(m.jobId)),
      );
      // Stored as receipts are looked up: lower case, without leading zeros.
      expect(rowTwo).to.deep.include({
        status: 'sent',
        message_ids: ['a1', 'b2'],
        parts: 2,
        attempts: 1,
        error: null,
      });
      expect(rowNone).to.deep.include({ status: 'sent', message_ids: [], parts: 1, attempts: 3 });
      expect(rowOne).to.deep.include({
        status: 'sent',
        message_ids: ['ff9'],
        parts: 1,
        attempts: 2,
      });
      for (const row of [rowTwo, rowNone, rowOne]) expect(row.sent_at, row.job_id).to.be.instanceOf(Date);
      expect(rowOutside).to.deep.include({
        status: 'queued',
        message_ids: [],
        parts: null,
        attempts: 0,
        sent_at: null,
      });
      // The texts, msisdns and reasons stay as queued.
      expect(rowTwo).to.include({ msisdn: two.msisdn, text: two.text, reason: 'reply' });
    });

    it('markSent – a batch holding an MT already delivered – it keeps delivered, its queued batch-mates become sent', async () => {
      const [done, fresh] = [queued(), queued()];
      await recordQueued(db, batchesOf([done, fresh]));
      const [idC, idD] = [`c3${randomUUID().slice(0, 6)}`, `d4${randomUUID().slice(0, 6)}`];
      await markSent(db, [{ jobId: done.jobId, messageIds: [idC], parts: 1, attempts: 1 }]);
      expect(await applyReceipt(db, { messageId: idC, state: 'delivered' })).to.equal(done.jobId);
      expect(await mtStatus(db, done.jobId)).to.equal('delivered');

      // The worker records the send again (a retried job) in the same statement as another MT.
      await markSent(db, [
        { jobId: fresh.jobId, messageIds: [idD], parts: 1, attempts: 1 },
        { jobId: done.jobId, messageIds: [idC], parts: 1, attempts: 2 },
      ]);

      expect(await rowOf(done.jobId)).to.deep.include({
        status: 'delivered',
        message_ids: [idC],
        delivered_parts: 1,
      });
      expect(await rowOf(fresh.jobId)).to.deep.include({ status: 'sent', message_ids: [idD], attempts: 1 });
    });

    it('applyReceipt – for ids stored by one markSent call – finds each MT; a message of two parts is delivered when both are', async () => {
      const [two, one] = [queued(), queued()];
      await recordQueued(db, batchesOf([two, one]));
      // Ids of this test's own: a receipt updates every MT holding its id, and the run's database is shared.
      const [idA, idB] = [`a1${randomUUID().slice(0, 6)}`, `b2${randomUUID().slice(0, 6)}`];
      const hexId = BigInt(`0x${randomUUID().replace(/-/g, '').slice(0, 12)}`)
        .toString(16)
        .toUpperCase();
      await markSent(db, [
        { jobId: two.jobId, messageIds: [idA.toUpperCase(), idB.toUpperCase()], parts: 2, attempts: 1 },
        { jobId: one.jobId, messageIds: [hexId], parts: 1, attempts: 1 },
      ]);

      // The second part's receipt, written the other way round (upper case), names the first MT.
      expect(await applyReceipt(db, { messageId: idB.toUpperCase(), state: 'delivered' })).to.equal(
        two.jobId,
      );
      expect(await rowOf(two.jobId)).to.deep.include({ status: 'sent', delivered_parts: 1 });
      expect(await applyReceipt(db, { messageId: idA, state: 'delivered' })).to.equal(two.jobId);
      expect(await rowOf(two.jobId)).to.deep.include({ status: 'delivered', delivered_parts: 2 });

      // The single-part MT's receipt gives its id in decimal: found through the id's other form.
      const decimal = BigInt(`0x${hexId}`).toString(10);
      expect(await applyReceipt(db, { messageId: decimal, state: 'enroute' })).to.equal(one.jobId);
      expect(await applyReceipt(db, { messageId: decimal, state: 'undeliverable', error: '001' })).to.equal(
        one.jobId,
      );
      expect(await rowOf(one.jobId)).to.deep.include({
        status: 'failed',
        error: 'receipt: undeliverable err:001',
      });
    });

    it('markSent – an empty list – is a no-op', async () => {
      const mt = queued();
      await recordQueued(db, batchesOf([mt]));
      await markSent(db, []);
      expect(await mtStatus(db, mt.jobId)).to.equal('queued');
    });
  });

  describe('applyReceipts (one statement for a batch of receipts)', () => {
    const queued = (): QueuedMt => ({
      jobId: `test-${randomUUID()}`,
      msisdn: newMsisdn(),
      text: 'receipt batch',
      reason: 'reply',
      sensitive: false,
    });
    const id = (tag: string) => `${tag}${randomUUID().replace(/-/g, '').slice(0, 8)}`;
    const rowOf = (jobId: string) => db('sms_mt').where({ job_id: jobId }).first();

    it('applyReceipts – both parts of one MT, a failure and an unknown id in one batch – the parts add up to delivered, the failure fails its MT, each receipt names its own MT', async () => {
      const [two, lost, other] = [queued(), queued(), queued()];
      await recordQueued(db, batchesOf([two, lost, other]));
      const [p1, p2, l1, o1] = [id('aa'), id('bb'), id('cc'), id('dd')];
      await markSent(db, [
        { jobId: two.jobId, messageIds: [p1, p2], parts: 2, attempts: 1 },
        { jobId: lost.jobId, messageIds: [l1], parts: 1, attempts: 1 },
        { jobId: other.jobId, messageIds: [o1], parts: 1, attempts: 1 },
      ]);

      const named = await applyReceipts(db, [
        { messageId: p1, state: 'delivered' },
        { messageId: l1, state: 'expired', error: '0FE' },
        { messageId: id('ee'), state: 'delivered' },
        { messageId: p2.toUpperCase(), state: 'delivered' },
        { messageId: o1, state: 'enroute' },
      ]);

      expect(named).to.deep.equal([two.jobId, lost.jobId, null, two.jobId, other.jobId]);
      expect(await rowOf(two.jobId)).to.deep.include({ status: 'delivered', delivered_parts: 2 });
      expect(await rowOf(lost.jobId)).to.deep.include({
        status: 'failed',
        error: 'receipt: expired err:0FE',
      });
      expect(await rowOf(other.jobId)).to.deep.include({ status: 'sent', delivered_parts: 0 });
    });

    it('applyReceipts – one part delivered and the other failed in the same batch – the MT is failed', async () => {
      const mt = queued();
      await recordQueued(db, batchesOf([mt]));
      const [p1, p2] = [id('ff'), id('ab')];
      await markSent(db, [{ jobId: mt.jobId, messageIds: [p1, p2], parts: 2, attempts: 1 }]);
      await applyReceipts(db, [
        { messageId: p1, state: 'delivered' },
        { messageId: p2, state: 'undeliverable' },
      ]);
      expect(await rowOf(mt.jobId)).to.deep.include({ status: 'failed', error: 'receipt: undeliverable' });
    });

    it('applyReceipts – a receipt for an MT already delivered – changes nothing and names no MT', async () => {
      const mt = queued();
      await recordQueued(db, batchesOf([mt]));
      const only = id('cd');
      await markSent(db, [{ jobId: mt.jobId, messageIds: [only], parts: 1, attempts: 1 }]);
      expect(await applyReceipts(db, [{ messageId: only, state: 'delivered' }])).to.deep.equal([mt.jobId]);
      expect(await applyReceipts(db, [{ messageId: only, state: 'undeliverable' }])).to.deep.equal([null]);
      expect(await rowOf(mt.jobId)).to.deep.include({ status: 'delivered', delivered_parts: 1 });
      expect(await applyReceipts(db, [])).to.deep.equal([]);
    });
  });
});
