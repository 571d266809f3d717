import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { nationalMsisdn } from '../../../src/lib/msisdn.js';
import type { CommandBus } from '../../../src/queue/command-bus.js';
import { createHarness, type Harness, newMsisdn } from '../../helpers/harness.js';
import { startServer, type TestServer, useOpsServer } from './server.js';

describe('ops API: counter top-ups', () => {
  let h: Harness;
  let server: TestServer;
  useOpsServer((harness, started) => {
    h = harness;
    server = started;
  });

  const ref = () => `bank-${randomBytes(6).toString('hex')}`;
  const balance = async (msisdn: string) => (await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance;
  const topupTransfers = async (reference: string) =>
    Number(
      (await h.db('transfers').where({ reference, kind: 'topup_counter' }).count({ n: '*' }).first())!.n,
    );

  it('POST /api/topups – for a wallet – answers 201 with the transfer and the new balance, and credits it', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 1_000n);
    const reference = ref();
    const res = await server.ops('POST', '/api/topups', {
      msisdn: nationalMsisdn(msisdn),
      amount: 2_550,
      reference,
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.deep.include({
      msisdn: nationalMsisdn(msisdn),
      amount: 2_550,
      balance: 3_550,
      reference,
    });
    expect(res.body.transferId).to.match(/^\d+$/);
    expect(await balance(msisdn)).to.equal(3_550);
    const transfer = await h.db('transfers').where({ id: res.body.transferId }).first('amount', 'reference');
    expect(transfer).to.deep.equal({ amount: 2_550n, reference });
  });

  it('POST /api/topups – when the same reference comes again with the same content – answers the same result and credits once', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const reference = ref();
    const body = { msisdn, amount: 1_000, reference };
    const first = await server.ops('POST', '/api/topups', body);
    // The same request in another accepted MSISDN form is the same content.
    const second = await server.ops('POST', '/api/topups', { ...body, msisdn: `+${msisdn}` });
    const third = await server.ops('POST', '/api/topups', body);
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.body).to.deep.equal(first.body);
    expect(third.body).to.deep.equal(first.body);
    expect(await balance(msisdn)).to.equal(1_000);
    expect(await topupTransfers(reference)).to.equal(1);
  });

  it('POST /api/topups – when the same reference comes concurrently – credits once', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const reference = ref();
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => server.ops('POST', '/api/topups', { msisdn, amount: 700, reference })),
    );
    expect(replies.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
    expect(new Set(replies.map((r) => r.body.transferId)).size).to.equal(1);
    expect(await balance(msisdn)).to.equal(700);
  });

  it('POST /api/topups – when the reference repeats with another amount – answers 409 and moves nothing', async () => {
    const msisdn = await h.openWallet(newMsisdn());
    const reference = ref();
    const first = await server.ops('POST', '/api/topups', { msisdn, amount: 1_000, reference });
    expect(first.status).to.equal(201);
    const other = await server.ops('POST', '/api/topups', { msisdn, amount: 9_000, reference });
    expect(other.status).to.equal(409);
    expect(other.body.error.code).to.equal('idempotency_conflict');
    expect(await balance(msisdn)).to.equal(1_000);
    expect(await topupTransfers(reference)).to.equal(1);
  });

  it('POST /api/topups – when the reference repeats for another wallet – answers 409 and moves nothing', async () => {
    const a = await h.openWallet(newMsisdn());
    const b = await h.openWallet(newMsisdn());
    const reference = ref();
    expect(
      (await server.ops('POST', '/api/topups', { msisdn: a, amount: 1_000, reference })).status,
    ).to.equal(201);
    const other = await server.ops('POST', '/api/topups', { msisdn: b, amount: 1_000, reference });
    expect(other.status).to.equal(409);
    expect(await balance(b)).to.equal(0);
  });

  it('POST /api/topups – when no wallet has the number – answers 404 not_a_user', async () => {
    const res = await server.ops('POST', '/api/topups', {
      msisdn: newMsisdn(),
      amount: 1_000,
      reference: ref(),
    });
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_a_user');
  });

  it('POST /api/topups – when the wallet is frozen – answers 422 account_frozen and moves nothing', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 500n);
    const frozen = await h.run('account.freeze', { msisdn });
    expect(frozen.ok, JSON.stringify(frozen)).to.equal(true);
    const res = await server.ops('POST', '/api/topups', { msisdn, amount: 1_000, reference: ref() });
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal('account_frozen');
    expect(await balance(msisdn)).to.equal(500);
  });

  for (const [label, patch] of [
    ['the amount is a float (12.5)', { amount: 12.5 }],
    ['the amount is a string', { amount: '1000' }],
    ['the amount is negative', { amount: -1_000 }],
    ['the amount is zero', { amount: 0 }],
    ['the amount is past a safe integer', { amount: 2 ** 60 }],
    ['the MSISDN is malformed', { msisdn: '12345' }],
    ['the reference is empty', { reference: '' }],
    ['the reference is 65 characters', { reference: 'r'.repeat(65) }],
    ['the reference holds a control character', { reference: 'bank\n42' }],
    ['a field is unknown', { note: 'hi' }],
    ['the reference is missing', { reference: undefined }],
  ] as const) {
    it(`POST /api/topups – when ${label} – answers 400 invalid and moves nothing`, async () => {
      const msisdn = await h.openWallet(newMsisdn(), 300n);
      const body: Record<string, unknown> = { msisdn, amount: 1_000, reference: ref() };
      const res = await server.ops('POST', '/api/topups', Object.assign(body, patch));
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid');
      expect(await balance(msisdn)).to.equal(300);
    });
  }

  it('POST /api/topups – when the command failed for good – answers 503 failed', async () => {
    const failing = {
      execute: async () => ({
        ok: false,
        error: { code: 'failed', message: 'the command could not be completed' },
      }),
      allQueues: h.bus.allQueues,
    } as unknown as CommandBus;
    const broken = await startServer({ ...h, bus: failing });
    try {
      const res = await broken.ops('POST', '/api/topups', {
        msisdn: newMsisdn(),
        amount: 100,
        reference: ref(),
      });
      expect(res.status).to.equal(503);
      expect(res.body.error.code).to.equal('failed');
    } finally {
      await broken.close();
    }
  });

  it('POST /api/topups – when no worker answers in time – answers 202, and repeating it later gives the result', async function () {
    this.timeout(40_000);
    const msisdn = await h.openWallet(newMsisdn());
    const reference = ref();
    // A producer-only gateway on a Redis prefix of its own: nothing runs the command yet.
    const producer = await createHarness({}, { workers: false });
    const slow = await startServer(producer, { commandTimeoutMs: 300 });
    let late: Harness | undefined;
    try {
      const accepted = await slow.ops('POST', '/api/topups', { msisdn, amount: 4_200, reference });
      expect(accepted.status).to.equal(202);
      expect(accepted.body).to.deep.include({ status: 'pending', reference, amount: 4_200 });
      expect(await balance(msisdn)).to.equal(0);

      late = await createHarness({ redisPrefix: producer.config.redisPrefix });
      let res = await slow.ops('POST', '/api/topups', { msisdn, amount: 4_200, reference });
      for (let i = 0; i < 50 && res.status === 202; i++) {
        await new Promise((r) => setTimeout(r, 200));
        res = await slow.ops('POST', '/api/topups', { msisdn, amount: 4_200, reference });
      }
      expect(res.status).to.equal(201);
      expect(res.body.balance).to.equal(4_200);
      expect(await balance(msisdn)).to.equal(4_200);
      expect(await topupTransfers(reference)).to.equal(1);
    } finally {
      await slow.close();
      await late?.close();
      await producer.close();
    }
  });
});
