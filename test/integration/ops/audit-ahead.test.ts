/**
 * No operator action without its audit row: the row is written ahead of the action (`pending`), its
 * outcome set once known. A command held with no worker to run it shows the row before its effect, and
 * the command's own transaction settles it when a worker comes (also after the call answered 202). An
 * action whose row cannot be written does not run (500); a database action whose outcome cannot be set
 * is undone with it. A database of its own: triggers on `audit_log` make the writes fail for one
 * operator name, and no other test writes there.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { expect } from 'chai';
import { beginAudit } from '../../../src/ledger/index.js';
import { createHarness, type Harness, newMsisdn } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/ledger.js';
import { createOwnDatabase, type OwnDatabase } from '../../helpers/own-database.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

/** An operator whose audit rows cannot be written, and one whose rows cannot be given an outcome. */
const NO_ROW = 'no-row';
const NO_OUTCOME = 'no-outcome';

describe('ops: the audit row is written ahead of every operator action', function () {
  this.timeout(60_000);
  let own: OwnDatabase;
  let h: Harness;
  let server: TestServer;
  before(async () => {
    own = await createOwnDatabase('audit_ahead');
    h = await createHarness({ databaseUrl: own.url });
    server = await startServer(h);
    await h.db.raw(`
      CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log refused for %', NEW.operator; END $$;
      CREATE TRIGGER no_row BEFORE INSERT ON audit_log
        FOR EACH ROW WHEN (NEW.operator = '${NO_ROW}') EXECUTE FUNCTION refuse_audit();
      CREATE TRIGGER no_outcome BEFORE UPDATE ON audit_log
        FOR EACH ROW WHEN (NEW.operator = '${NO_OUTCOME}') EXECUTE FUNCTION refuse_audit();`);
  });
  after(async () => {
    await server?.close();
    await h?.close();
    await own?.drop();
  });

  const as = (on: TestServer, operator: string, method: string, path: string, body?: unknown) =>
    on.call(method, path, { body, token: OPS_TOKEN, headers: { 'x-operator': operator } });
  const rowsOf = (target: string) =>
    h.db('audit_log').where({ target }).orderBy('id').select('operator', 'action', 'outcome');
  const statusOf = async (msisdn: string) =>
    (await server.ops('GET', `/api/accounts/${msisdn}`)).body.status as string;
  const balanceOf = async (msisdn: string) =>
    (await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance as number;
  /** Every job in the command queues, whatever its state. */
  const commandJobs = async () => {
    const counts = await Promise.all(h.bus.allQueues.map((q) => q.getJobCounts()));
    return counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
  };

  describe('commands on the worker', () => {
    let producer: Harness;
    let slow: TestServer;
    let worker: Harness | undefined;
    before(async () => {
      // A gateway with no worker of its own, on a Redis prefix of its own: its commands are held.
      producer = await createHarness({ databaseUrl: own.url }, { workers: false });
      slow = await startServer(producer, { commandTimeoutMs: 300 });
    });
    after(async () => {
      await slow?.close();
      await worker?.close();
      await producer?.close();
    });

    it('freeze, unfreeze and a top-up – while no worker runs them – answer 202 with their rows pending before any effect; a worker then sets each row to its real outcome', async () => {
      const frozen = await h.openWallet(newMsisdn(), 1_000n);
      const active = await h.openWallet(newMsisdn());
      const reference = `aa-${randomBytes(4).toString('hex')}`;

      const freeze = await as(slow, 'night', 'POST', `/api/accounts/${frozen}/freeze`, {
        reason: 'complaint',
      });
      expect(freeze.status, freeze.text).to.equal(202);
      expect(freeze.body).to.include({ status: 'pending' });
      const unfreeze = await as(slow, 'night', 'POST', `/api/accounts/${active}/unfreeze`, {
        reason: 'check',
      });
      expect(unfreeze.status, unfreeze.text).to.equal(202);
      const topup = await as(slow, 'night', 'POST', '/api/topups', {
        msisdn: active,
        amount: 500,
        reference,
      });
      expect(topup.status, topup.text).to.equal(202);

      // The rows are there, pending, and nothing has happened yet.
      expect(await rowsOf(frozen)).to.deep.equal([
        { operator: 'night', action: 'account.freeze', outcome: 'pending' },
      ]);
      expect(await rowsOf(active)).to.deep.equal([
        { operator: 'night', action: 'account.unfreeze', outcome: 'pending' },
        { operator: 'night', action: 'topup', outcome: 'pending' },
      ]);
      expect(await statusOf(frozen)).to.equal('active');
      expect(await balanceOf(active)).to.equal(0);

      // A worker comes: each command's transaction sets its row's outcome with its effect.
      worker = await createHarness({ databaseUrl: own.url, redisPrefix: producer.config.redisPrefix });
      await waitFor(async () => (await rowsOf(frozen)).every((r) => r.outcome !== 'pending'), 20_000);
      await waitFor(async () => (await rowsOf(active)).every((r) => r.outcome !== 'pending'), 20_000);
      const outcomes = [...(await rowsOf(frozen)), ...(await rowsOf(active))].map((r) => [
        r.action,
        r.outcome,
      ]);
      expect(outcomes).to.deep.equal([
        ['account.freeze', 'ok'],
        ['account.unfreeze', 'not_frozen'],
        ['topup', 'ok'],
      ]);
      expect(await statusOf(frozen)).to.equal('frozen');
      expect(await balanceOf(active)).to.equal(500);
    });
  });

  it('a command carrying an audit row – whose job fails for good – leaves the row failed, not pending', async () => {
    const auditId = await beginAudit(h.db, { operator: 'night', action: 'account.freeze', target: 'broken' });
    // A job no runner can ever run (an unknown type) fails at once, without retries.
    const result = await h.bus.execute(
      { key: `aa-${randomBytes(4).toString('hex')}`, type: 'nope' as never, input: {} as never },
      10_000,
      {
        auditId,
      },
    );
    expect(result.ok).to.equal(false);
    await waitFor(async () => (await rowsOf('broken'))[0]?.outcome === 'failed');
  });

  it('every operator action – when its audit row cannot be written – answers 500 and changes nothing', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 1_000n);
    await h
      .db('users')
      .where({ msisdn })
      .update({ pin_failures: 3, pin_locked_until: new Date(Date.now() + 3_600_000) });
    const code = `aa_${randomBytes(4).toString('hex')}`;
    await h.merchant(code);
    const vouchers = async () => Number((await h.db('vouchers').count({ n: '*' }).first())!.n);
    const keys = async () =>
      Number((await h.db('merchant_keys').where({ merchant_code: code }).count({ n: '*' }).first())!.n);
    const [cardsBefore, keysBefore, jobsBefore] = [await vouchers(), await keys(), await commandJobs()];

    for (const [method, path, body] of [
      ['POST', `/api/accounts/${msisdn}/freeze`, { reason: 'x' }],
      ['POST', `/api/accounts/${msisdn}/unlock-pin`, { reason: 'x' }],
      ['POST', '/api/topups', { msisdn, amount: 100, reference: `aa-${randomBytes(4).toString('hex')}` }],
      ['POST', '/api/vouchers', { count: 2, amount: 1_000 }],
      ['POST', '/api/merchants', { code: `${code}x`, name: 'Never' }],
      ['POST', `/api/merchants/${code}/keys/rotate`, { key: 'apiKey' }],
      ['POST', `/api/merchants/${code}/staff`, { username: 'amy', role: 'admin' }],
    ] as const) {
      const res = await as(server, NO_ROW, method, path, body);
      expect(res.status, `${path}: ${res.text}`).to.equal(500);
    }
    // Nothing was asked of the worker, nothing was written.
    await new Promise((r) => setTimeout(r, 300));
    expect(await commandJobs()).to.equal(jobsBefore);
    expect(await statusOf(msisdn)).to.equal('active');
    expect((await h.db('users').where({ msisdn }).first('pin_failures')).pin_failures).to.equal(3);
    expect(await balanceOf(msisdn)).to.equal(1_000);
    expect(await vouchers()).to.equal(cardsBefore);
    expect(await h.db('merchants').where({ code: `${code}x` })).to.deep.equal([]);
    expect(await keys()).to.equal(keysBefore);
    expect(await h.db('merchant_staff').where({ merchant_code: code })).to.deep.equal([]);
    expect(await h.db('audit_log').where({ operator: NO_ROW })).to.deep.equal([]);
  });

  it('an action on the database – when its outcome cannot be set – is undone with its row (500, no merchant, no cards)', async () => {
    const code = `aa_${randomBytes(4).toString('hex')}`;
    const count = async (table: string) => Number((await h.db(table).count({ n: '*' }).first())!.n);
    const [accounts, cardsBefore] = [await count('accounts'), await count('vouchers')];
    const created = await as(server, NO_OUTCOME, 'POST', '/api/merchants', { code, name: 'Undone' });
    expect(created.status).to.equal(500);
    expect(await h.db('merchants').where({ code })).to.deep.equal([]);
    expect(await count('accounts')).to.equal(accounts);
    const cards = await as(server, NO_OUTCOME, 'POST', '/api/vouchers', { count: 1, amount: 500 });
    expect(cards.status).to.equal(500);
    expect(await count('vouchers')).to.equal(cardsBefore);
    expect(await h.db('audit_log').where({ operator: NO_OUTCOME })).to.deep.equal([]);
  });

  it('a dashboard action – when its audit row cannot be written – answers 500 and the failed job stays failed; written, it is retried and its row says ok', async () => {
    const name = `aa-board-${randomBytes(3).toString('hex')}`;
    const queue = new Queue(name, { connection: h.redis, prefix: h.config.redisPrefix });
    let runs = 0;
    const worker = new Worker(
      name,
      async () => {
        runs += 1;
        if (runs === 1) throw new Error('the first attempt fails');
        return 'done';
      },
      { connection: h.connection(), prefix: h.config.redisPrefix },
    );
    const board = await startServer(h, { extraQueues: () => [queue] });
    try {
      const job = await queue.add('once', { n: 1 }, { attempts: 1 });
      await waitFor(async () => (await queue.getJobCounts('failed')).failed === 1);
      const retry = (operator: string) =>
        as(board, operator, 'PUT', `/ops/queues/api/queues/${name}/${job.id}/retry`);
      expect((await retry(NO_ROW)).status).to.equal(500);
      await new Promise((r) => setTimeout(r, 300));
      expect(await (await queue.getJob(job.id!))?.getState()).to.equal('failed');

      expect((await retry('day-shift')).status).to.be.within(200, 299);
      await waitFor(async () => (await (await queue.getJob(job.id!))?.getState()) === 'completed');
      expect(await rowsOf(`${name}/${job.id}`)).to.deep.equal([
        { operator: 'day-shift', action: 'job.retry', outcome: 'ok' },
      ]);
    } finally {
      await board.close();
      await worker.close();
      await queue.close();
    }
  });
});
