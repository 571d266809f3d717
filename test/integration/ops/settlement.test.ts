import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Queue } from 'bullmq';
import { businessDay, businessDayRange } from '../../../src/lib/time.js';
import { closeDay, DAY_CLOSE_QUEUE } from '../../../src/queue/index.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { expectBalanced, waitFor } from '../../helpers/ledger.js';
import { createOwnDatabase, type OwnDatabase } from '../../helpers/own-database.js';
import { startServer, type TestServer } from './server.js';

const DAY_MS = 24 * 3_600_000;

/**
 * A business day of one merchant, played on a database of its own (the close settles every merchant
 * that moved that day): payments with a fee, a refund, a reversal, a payout; then the day is read back
 * as CSV and closed by a gateway whose clock is a day later.
 */
describe('merchant day: reconciliation CSV and the day close', () => {
  let own: OwnDatabase;
  let today: Harness;
  let tomorrow: Harness;
  let server: TestServer;
  let nextDay: TestServer;
  let keys: { code: string; apiKey: string; reviewerKey: string };
  const day = businessDay();
  const national = (msisdn: string) => msisdn.slice(2);
  const as = (s: TestServer, key: string) => ({
    get: (path: string) => s.call('GET', path, { token: key }),
    post: (path: string, body: unknown = {}) => s.call('POST', path, { token: key, body }),
  });
  const merchantAccount = () => `merchant:${keys.code}`;
  const balance = async (code: string) => BigInt((await today.db('accounts').where({ code }).first('balance')).balance);

  /** The merchant account's movement on `day` straight from the ledger's entries, settlements aside. */
  async function ledgerMovement(): Promise<bigint> {
    const { from, to } = businessDayRange(day);
    const { rows } = await today.db.raw(
      `SELECT coalesce(sum(e.amount), 0) AS net FROM entries e
         JOIN accounts a ON a.id = e.account_id JOIN transfers t ON t.id = e.transfer_id
        WHERE a.code = ? AND t.kind <> 'settlement' AND t.posted_at >= ? AND t.posted_at < ?`,
      [merchantAccount(), from, to],
    );
    return BigInt(rows[0].net);
  }

  const csvOf = (text: string) => text.trim().split('\n').map((line) => line.split(','));

  before(async function () {
    this.timeout(60_000);
    own = await createOwnDatabase('settle');
    today = await createHarness({ databaseUrl: own.url });
    tomorrow = await createHarness({ databaseUrl: own.url }, { clock: () => new Date(Date.now() + DAY_MS) });
    server = await startServer(today);
    nextDay = await startServer(tomorrow);
    const made = await server.ops('POST', '/api/merchants', { code: 'lotto', name: '体彩', feeBps: 150 });
    expect(made.status).to.equal(201);
    keys = made.body;

    const api = as(server, keys.apiKey);
    const payer = await today.openWallet(newMsisdn(), 50_000n);
    const request = async (amount: number) => {
      const asked = await api.post('/api/payments', { msisdn: national(payer), amount, reference: randomUUID() });
      expect(asked.status, asked.text).to.equal(201);
      const paid = await today.run('payment.confirm', { msisdn: payer, holdId: asked.body.id, pin: TEST_PIN });
      expect(paid.ok, JSON.stringify(paid)).to.equal(true);
      return asked.body.id as string;
    };
    const big = await request(10_000); // fee 150
    const direct = await today.run('payment', {
      msisdn: payer,
      merchant: keys.code,
      amount: '2000', // fee 30
      pin: TEST_PIN,
      reference: 'counter-7',
    });
    expect(direct.ok, JSON.stringify(direct)).to.equal(true);
    const reversedId = await request(4_000); // fee 60, given back by the reversal
    expect((await api.post(`/api/payments/${reversedId}/reverse`, { reason: 'cancelled' })).status).to.equal(200);
    const refund = await api.post(`/api/payments/${big}/refund`, { amount: 3_000, reason: 'one back', reference: 'rf-1' });
    expect(refund.status).to.equal(202);
    const approved = await as(server, keys.reviewerKey).post(`/api/refunds/${refund.body.refundId}/approve`);
    expect(approved.status).to.equal(200);
    const declined = await api.post('/api/payments', { msisdn: national(payer), amount: 500, reference: randomUUID() });
    expect((await today.run('payment.decline', { msisdn: payer, holdId: declined.body.id })).ok).to.equal(true);
    const winner = await today.openWallet(newMsisdn());
    const payout = await api.post('/api/payouts', { msisdn: national(winner), amount: 1_234, reference: 'prize-1' });
    expect(payout.status).to.equal(201);
  });
  after(async () => {
    await nextDay?.close();
    await server?.close();
    await tomorrow?.close();
    await today?.close();
    await own?.drop();
  });

  it('a reversal the next day – is refused and moves nothing', async () => {
    const direct = await today.db('transfers').where({ reference: 'counter-7' }).first('id');
    const before = await balance(merchantAccount());
    const res = await as(nextDay, keys.apiKey).post(`/api/payments/${direct.id}/reverse`, { reason: 'late' });
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal('reversal_window');
    expect(await balance(merchantAccount())).to.equal(before);
  });

  it('GET /api/reconciliation – lists the day with fees and totals that equal the ledger to the fen', async () => {
    const res = await as(server, keys.apiKey).get(`/api/reconciliation?date=${day}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/csv/);
    const [header, ...lines] = csvOf(res.text);
    expect(header).to.deep.equal(['id', 'time', 'kind', 'reference', 'msisdn', 'amount', 'fee', 'status']);
    const rows = lines.filter((l) => /^\d+$/.test(l[0]));
    expect(rows.map((r) => [r[2], r[5], r[6], r[7]])).to.deep.equal([
      ['payment', '10000', '150', 'partially_refunded'],
      ['payment', '2000', '30', 'paid'],
      ['payment', '4000', '60', 'reversed'],
      ['reversal', '-4000', '-60', 'reversed'],
      ['refund', '-3000', '0', 'refunded'],
      ['payout', '-1234', '0', 'paid'],
    ]);
    expect(rows.find((r) => r[2] === 'refund')![3]).to.equal('rf-1');
    expect(rows.find((r) => r[2] === 'payout')![3]).to.equal('prize-1');
    for (const r of rows) expect(r[1]).to.match(new RegExp(`^${day}T\\d{2}:\\d{2}:\\d{2}\\+08:00$`));
    const totals = Object.fromEntries(lines.filter((l) => l[0] === 'total').map((l) => [l[2], [l[5], l[6], l[7]]]));
    expect(totals).to.deep.equal({
      payment: ['16000', '240', 'count=3'],
      refund: ['-3000', '0', 'count=1'],
      reversal: ['-4000', '-60', 'count=1'],
      payout: ['-1234', '0', 'count=1'],
    });
    const net = lines.find((l) => l[0] === 'net')!;
    expect(net[5]).to.equal('7586');
    expect(BigInt(net[5])).to.equal(await ledgerMovement());
    expect(await balance(merchantAccount())).to.equal(7_586n);
  });

  it('GET /api/reconciliation – with the operator token – carries the merchant column; without a key – 401', async () => {
    const res = await server.ops('GET', `/api/reconciliation?date=${day}`);
    expect(res.status).to.equal(200);
    const [header, first] = csvOf(res.text);
    expect(header[0]).to.equal('merchant');
    expect(first[0]).to.equal(keys.code);
    expect((await server.call('GET', `/api/reconciliation?date=${day}`)).status).to.equal(401);
    expect((await as(server, keys.apiKey).get('/api/reconciliation?date=2026-13-01')).status).to.equal(400);
  });

  it('the day close – moves exactly the day\'s net to settlement, once, however often it runs', async () => {
    await expectRejects(closeDay(today.db, today.bus, day), /not over/);
    const clearingBefore = await balance('sys:settlement');
    const csvBefore = (await as(server, keys.apiKey).get(`/api/reconciliation?date=${day}`)).text;
    const first = await closeDay(tomorrow.db, tomorrow.bus, day, new Date(Date.now() + DAY_MS));
    expect(first).to.have.length(1);
    expect(first[0].merchant).to.equal(keys.code);
    expect(first[0].result, JSON.stringify(first[0].result)).to.deep.include({ ok: true });
    const second = await closeDay(tomorrow.db, tomorrow.bus, day, new Date(Date.now() + DAY_MS));
    expect(second).to.deep.equal(first);

    expect(await balance(merchantAccount())).to.equal(0n);
    expect(await balance('sys:settlement')).to.equal(clearingBefore + 7_586n);
    const settlements = await today.db('transfers').where({ kind: 'settlement' }).select('amount', 'reference');
    expect(settlements).to.deep.equal([{ amount: 7_586n, reference: day }]);
    const listed = await as(server, keys.apiKey).get(`/api/settlements?date=${day}`);
    expect(listed.body.settlements).to.have.length(1);
    expect(listed.body.settlements[0]).to.include({ merchant: keys.code, date: day, net: 7_586 });
    // The reconciliation of the day is the same after the close, and still equals the ledger.
    expect((await as(server, keys.apiKey).get(`/api/reconciliation?date=${day}`)).text).to.equal(csvBefore);
    expect(await ledgerMovement()).to.equal(7_586n);
    await expectBalanced(today);
  });

  it('the day close – is scheduled at 00:30 China time, and its job run again settles nothing more', async () => {
    const queue = new Queue(DAY_CLOSE_QUEUE, { connection: tomorrow.connection(), prefix: tomorrow.config.redisPrefix });
    try {
      const scheduler = await queue.getJobScheduler('day-close');
      expect(scheduler).to.include({ pattern: '30 0 * * *', tz: 'Asia/Shanghai' });
      // The scheduled job itself, as it runs at 00:30 of the next day (the worker's clock is a day ahead).
      const job = await queue.add('day-close', {});
      await waitFor(async () => (await job.getState()) === 'completed', 20_000);
      const done = await queue.getJob(job.id!);
      expect(done?.returnvalue).to.deep.equal({ day, settled: 1 });
    } finally {
      await queue.close();
    }
    const settlements = await today.db('transfers').where({ kind: 'settlement' }).select('amount');
    expect(settlements).to.deep.equal([{ amount: 7_586n }]);
    expect(await balance(merchantAccount())).to.equal(0n);
  });
});

async function expectRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(String(err)).to.match(message);
    return;
  }
  throw new Error('expected a rejection');
}
