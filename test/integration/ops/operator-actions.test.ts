import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { fingerprintOf } from '../../../src/commands/fingerprint.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { nationalMsisdn } from '../../../src/lib/msisdn.js';
import { businessDay } from '../../../src/lib/time.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { createOwnDatabase, type OwnDatabase } from '../../helpers/own-database.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

/** An operator call naming its operator. */
const as = (server: TestServer, operator: string, method: string, path: string, body?: unknown) =>
  server.call(method, path, {
    body,
    token: OPS_TOKEN,
    headers: { 'x-operator': encodeURIComponent(operator) },
  });

describe('ops API: operator actions and the audit log', () => {
  let h: Harness;
  let server: TestServer;
  const merchant = `oa_${randomBytes(4).toString('hex')}`;
  before(async () => {
    h = await createHarness();
    server = await startServer(h);
    await h.merchant(merchant);
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  const auditOf = async (target: string) =>
    (await server.ops('GET', `/api/audit?target=${encodeURIComponent(target)}`)).body.entries as {
      operator: string;
      action: string;
      reason: string | null;
      outcome: string;
      requestId: string | null;
      detail: Record<string, unknown>;
      at: string;
    }[];

  it('freeze then unfreeze – on a complaint – the wallet is frozen (payments refused), then active, each in the audit log with who, what, why and when', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 5_000n);
    const frozen = await as(server, '王芳', 'POST', `/api/accounts/${msisdn}/freeze`, {
      reason: '投诉 #4471',
    });
    expect(frozen.status, frozen.text).to.equal(200);
    expect(frozen.body).to.include({ msisdn: nationalMsisdn(msisdn), status: 'frozen' });
    const paid = await h.run('payment', { msisdn, merchant, amount: '100', pin: TEST_PIN, reference: 'f-1' });
    expect(paid.ok).to.equal(false);
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.status).to.equal('frozen');

    const unfrozen = await as(server, 'li.lei', 'POST', `/api/accounts/${msisdn}/unfreeze`, {
      reason: 'complaint withdrawn',
    });
    expect(unfrozen.status, unfrozen.text).to.equal(200);
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.status).to.equal('active');

    const entries = await auditOf(msisdn);
    expect(entries.map((e) => [e.operator, e.action, e.reason, e.outcome])).to.deep.equal([
      ['li.lei', 'account.unfreeze', 'complaint withdrawn', 'ok'],
      ['王芳', 'account.freeze', '投诉 #4471', 'ok'],
    ]);
    expect(entries[1].requestId).to.equal(frozen.headers.get('x-request-id'));
    expect(Date.parse(entries[0].at)).to.be.closeTo(Date.now(), 60_000);
  });

  it('unfreeze – when the wallet is not frozen – answers 409 not_frozen and records the refused attempt', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const res = await as(server, 'ops1', 'POST', `/api/accounts/${msisdn}/unfreeze`, { reason: 'check' });
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal('not_frozen');
    expect((await auditOf(msisdn)).map((e) => [e.action, e.outcome])).to.deep.equal([
      ['account.unfreeze', 'not_frozen'],
    ]);
  });

  it('freeze – without a reason – answers 400, freezes nothing and records nothing', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const res = await as(server, 'ops1', 'POST', `/api/accounts/${msisdn}/freeze`, {});
    expect(res.status).to.equal(400);
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.status).to.equal('active');
    expect(await auditOf(msisdn)).to.deep.equal([]);
  });

  it('unlock-pin – for a locked PIN – unlocks it and records the reason', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    await h
      .db('users')
      .where({ msisdn })
      .update({ pin_failures: 5, pin_locked_until: new Date(Date.now() + 3_600_000) });
    const res = await as(server, 'zhang', 'POST', `/api/accounts/${msisdn}/unlock-pin`, {
      reason: 'ID checked at counter',
    });
    expect(res.status, res.text).to.equal(200);
    const [entry] = await auditOf(msisdn);
    expect(entry).to.include({
      operator: 'zhang',
      action: 'account.unlock-pin',
      reason: 'ID checked at counter',
      outcome: 'ok',
    });
  });

  it('top-up, vouchers, merchant creation and key rotation – by a named operator – are each in the audit log, with no PIN or key', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const reference = `oa-${randomBytes(4).toString('hex')}`;
    expect(
      (await as(server, 'cashier7', 'POST', '/api/topups', { msisdn, amount: 500, reference })).status,
    ).to.equal(201);
    const cards = await as(server, 'cashier7', 'POST', '/api/vouchers', { count: 2, amount: 1000 });
    expect(cards.status).to.equal(201);
    const code = `oa_${randomBytes(4).toString('hex')}`;
    const created = await as(server, 'boss', 'POST', '/api/merchants', { code, name: 'Audit shop' });
    expect(created.status).to.equal(201);
    const rotated = await as(server, 'boss', 'POST', `/api/merchants/${code}/keys/rotate`, { key: 'apiKey' });
    expect(rotated.status, rotated.text).to.equal(200);

    expect((await auditOf(msisdn)).map((e) => [e.operator, e.action, e.outcome, e.detail])).to.deep.equal([
      ['cashier7', 'topup', 'ok', { amount: 500, reference }],
    ]);
    expect((await auditOf(code)).map((e) => [e.operator, e.action, e.outcome])).to.deep.equal([
      ['boss', 'merchant.rotate-key', 'ok'],
      ['boss', 'merchant.create', 'ok'],
    ]);
    const issued = (await server.ops('GET', '/api/audit?operator=cashier7&action=vouchers.issue')).body
      .entries;
    expect(issued[0].detail).to.deep.equal({ count: 2, amount: 1000 });
    expect(issued[0].target).to.equal(`${cards.body[0].serial}..${cards.body[1].serial}`);
    const all = JSON.stringify(await h.db('audit_log').select('operator', 'target', 'reason', 'detail'));
    for (const secret of [cards.body[0].pin, cards.body[1].pin, created.body.apiKey, rotated.body.apiKey])
      expect(all).not.to.include(secret);
  });

  it('a top-up – with X-Request-Id, then again under another id – carries each id with the job of its call (not in its fingerprint), credits once, and each audit row has its id and outcome', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const reference = `rid-${randomBytes(4).toString('hex')}`;
    const body = { msisdn, amount: 700, reference };
    const call = (id: string) =>
      server.call('POST', '/api/topups', { body, token: OPS_TOKEN, headers: { 'x-request-id': id } });
    const first = await call('ops-req-1');
    const again = await call('ops-req-2');
    expect([first.status, again.status]).to.deep.equal([201, 201]);
    expect(again.body.transferId).to.equal(first.body.transferId);
    expect(again.body.balance).to.equal(700);
    const command = {
      key: `topup:${reference}`,
      type: 'topup.counter' as const,
      input: { msisdn, amount: '700', reference },
    };
    // The request id travels beside the input; the fingerprint (what idempotency compares) ignores it.
    const withId = { type: command.type, input: Object.assign({ requestId: 'x' }, command.input) };
    expect(fingerprintOf(keyringOf(h.config), withId)).to.equal(fingerprintOf(keyringOf(h.config), command));
    // Each audited call is a job of its own (its audit row's id beside the command's job id); the
    // second is answered from the first's stored result.
    const jobs = await h.bus.allQueues[h.bus.partitionOf(command)].getJobs(['completed']);
    const mine = jobs.filter((job) => job.id?.startsWith(`${h.bus.jobIdOf(command)}-a`));
    expect(mine.map((job) => job.data.requestId).sort()).to.deep.equal(['ops-req-1', 'ops-req-2']);
    expect((await auditOf(msisdn)).map((e) => [e.requestId, e.outcome])).to.deep.equal([
      ['ops-req-2', 'ok'],
      ['ops-req-1', 'ok'],
    ]);
  });

  it('a merchant staff account – created by an operator – is in the audit log without its password', async () => {
    const code = `oa_${randomBytes(4).toString('hex')}`;
    expect(
      (await as(server, 'boss', 'POST', '/api/merchants', { code, name: 'Staff shop' })).status,
    ).to.equal(201);
    const staff = await as(server, 'boss', 'POST', `/api/merchants/${code}/staff`, {
      username: 'amy',
      role: 'admin',
    });
    expect(staff.status, staff.text).to.equal(201);
    const [entry] = await auditOf(`${code}/amy`);
    expect(entry).to.deep.include({ operator: 'boss', action: 'merchant.staff-create', outcome: 'ok' });
    expect(entry.detail).to.deep.equal({ role: 'admin' });
    expect(JSON.stringify(entry)).not.to.include(staff.body.password);
  });

  it('GET /api/audit – with filters – answers only the matching entries, newest first, a page at a time', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    for (const reason of ['one', 'two', 'three'])
      await as(server, 'pager', 'POST', `/api/accounts/${msisdn}/freeze`, { reason });
    const first = await server.ops('GET', `/api/audit?target=${msisdn}&operator=pager&limit=2`);
    expect(first.body.entries.map((e: { reason: string }) => e.reason)).to.deep.equal(['three', 'two']);
    const second = await server.ops('GET', `/api/audit?target=${msisdn}&limit=2&before=${first.body.next}`);
    expect(second.body.entries.map((e: { reason: string }) => e.reason)).to.deep.equal(['one']);
    expect(second.body.next).to.equal(null);
    const today = businessDay();
    const byDay = await server.ops('GET', `/api/audit?target=${msisdn}&from=${today}&to=${today}`);
    expect(byDay.body.entries).to.have.length(3);
    const none = await server.ops('GET', `/api/audit?target=${msisdn}&operator=someone-else`);
    expect(none.body.entries).to.deep.equal([]);
    expect((await server.ops('GET', '/api/audit?from=2026-02-30')).status).to.equal(400);
  });

  it('operator calls – without the token – answer 401 and record nothing', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    for (const [method, path, body] of [
      ['POST', `/api/accounts/${msisdn}/freeze`, { reason: 'x' }],
      ['POST', `/api/accounts/${msisdn}/unfreeze`, { reason: 'x' }],
      ['GET', `/api/accounts/${msisdn}/sms`],
      ['GET', '/api/audit'],
      ['GET', '/api/stats'],
    ] as const) {
      const res = await server.call(method, path, { body, headers: { 'x-operator': 'intruder' } });
      expect(res.status, `${method} ${path}`).to.equal(401);
    }
    expect((await server.ops('GET', `/api/accounts/${msisdn}`)).body.status).to.equal('active');
    expect(await h.db('audit_log').where({ operator: 'intruder' })).to.deep.equal([]);
  });

  it('GET /api/accounts/:msisdn/sms – with MOs and MTs – lists them newest first, secrets masked and sensitive texts withheld', async () => {
    const msisdn = newMsisdn();
    const keys = keyringOf(h.config);
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000);
    const mo = { msisdn, destination: '1065', data_coding: 0, fingerprint: randomBytes(8).toString('hex') };
    await h.db('sms_mo').insert([
      { ...mo, text: 'ZZ 139 ****** 50', status: 'processed', received_at: at(1) },
      { ...mo, text: keys.seal('YE 654321'), status: 'received', received_at: at(3) },
    ]);
    await h.db('sms_mt').insert([
      {
        job_id: `t-${randomBytes(6).toString('hex')}`,
        msisdn,
        text: '余额¥0.00',
        reason: 'reply',
        created_at: at(2),
      },
      {
        job_id: `t-${randomBytes(6).toString('hex')}`,
        msisdn,
        text: '初始密码 918273',
        reason: 'account.opened',
        sensitive: true,
        created_at: at(4),
      },
    ]);
    const res = await server.ops('GET', `/api/accounts/${msisdn}/sms`);
    expect(res.status).to.equal(200);
    expect(
      res.body.sms.map((s: { direction: string; text: string | null }) => [s.direction, s.text]),
    ).to.deep.equal([
      ['mt', null],
      ['mo', null],
      ['mt', '余额¥0.00'],
      ['mo', 'ZZ 139 ****** 50'],
    ]);
    expect(res.text).not.to.include('918273');
    expect(res.text).not.to.include('654321');
  });
});

describe('ops API: daily statistics (业务统计)', () => {
  let own: OwnDatabase;
  let h: Harness;
  let server: TestServer;
  before(async () => {
    own = await createOwnDatabase('ops_stats');
    h = await createHarness({ databaseUrl: own.url });
    server = await startServer(h);
  });
  after(async () => {
    await server?.close();
    await h?.close();
    await own?.drop();
  });

  it('GET /api/stats?date= – after a day of wallets and payments on several channels – counts new wallets, active users, and transfers by kind and channel', async () => {
    await h.merchant('ST01');
    const a = await h.openWallet(newMsisdn(), 10_000n);
    const b = await h.openWallet(newMsisdn(), 10_000n);
    await h.openWallet(newMsisdn());
    const pay = (msisdn: string, amount: string, key: string) =>
      h.run('payment', { msisdn, merchant: 'ST01', amount, pin: TEST_PIN, reference: key }, key);
    expect((await pay(a, '150', 'ussd:s1:0:0')).ok).to.equal(true);
    expect((await pay(a, '250', 'ussd:s2:0:0')).ok).to.equal(true);
    expect((await pay(b, '300', 'wap:x:form1')).ok).to.equal(true);
    const today = businessDay();
    const res = await server.ops('GET', `/api/stats?date=${today}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({
      date: today,
      newWallets: 3,
      activeUsers: 2,
      transfers: [
        { kind: 'payment', channel: 'ussd', count: 2, amount: 400 },
        { kind: 'payment', channel: 'wap', count: 1, amount: 300 },
        { kind: 'topup_counter', channel: 'api', count: 2, amount: 20_000 },
      ],
    });
    const yesterday = businessDay(new Date(Date.now() - 86_400_000));
    const before = await server.ops('GET', `/api/stats?date=${yesterday}`);
    expect(before.body).to.deep.equal({ date: yesterday, newWallets: 0, activeUsers: 0, transfers: [] });
    expect((await server.ops('GET', '/api/stats?date=2026-13-01')).status).to.equal(400);
  });
});
