import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { merchantByKey } from '../../../src/ledger/merchants.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { type Harness, newMsisdn } from '../../helpers/harness.js';
import { type TestServer, useOpsServer } from './server.js';

describe('ops API: merchants and recharge cards', () => {
  let h: Harness;
  let server: TestServer;
  useOpsServer((harness, started) => {
    h = harness;
    server = started;
  });

  const newCode = () => `m_${randomBytes(5).toString('hex')}`;
  const count = async (table: string) => Number((await h.db(table).count({ n: '*' }).first())!.n);
  const merchantByApiKey = (key: string) => merchantByKey(h.db, keyringOf(h.config), key);
  const balance = async (msisdn: string) => (await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance;

  it('POST /api/merchants – with a free code – answers 201 with an API key that identifies the merchant', async () => {
    const code = newCode();
    const res = await server.ops('POST', '/api/merchants', { code, name: '  Corner Shop 小卖部 ' });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ code, name: 'Corner Shop 小卖部' });
    expect(res.body.apiKey).to.match(/^mk_[A-Za-z0-9_-]{20,}$/);
    expect(Date.parse(res.body.createdAt)).to.be.closeTo(Date.now(), 60_000);
    const known = await merchantByApiKey(res.body.apiKey);
    expect(known).to.include({ code, name: 'Corner Shop 小卖部' });
  });

  it('POST /api/merchants – when the code is taken – answers 409 merchant_exists and keeps the first merchant', async () => {
    const code = newCode();
    const first = await server.ops('POST', '/api/merchants', { code, name: 'First' });
    expect(first.status).to.equal(201);
    const again = await server.ops('POST', '/api/merchants', { code, name: 'Second' });
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('merchant_exists');
    const row = await h.db('merchants').where({ code }).first('name');
    expect(row.name).to.equal('First');
    expect(await merchantByApiKey(first.body.apiKey)).to.include({ name: 'First' });
  });

  for (const [label, body] of [
    ['the code has a space', { code: 'bad code', name: 'x' }],
    ['the code is 33 characters', { code: 'a'.repeat(33), name: 'x' }],
    ['the code is empty', { code: '', name: 'x' }],
    ['the name is blank', { code: 'ok_code_blank', name: '   ' }],
    ['the name is 65 characters', { code: 'ok_code_long', name: 'n'.repeat(65) }],
    ['the code is a number', { code: 2001, name: 'x' }],
    ['a field is unknown', { code: 'ok_code_extra', name: 'x', apiKey: 'mine' }],
    ['the body is an array', [{ code: 'ok_code_array', name: 'x' }]],
  ] as const) {
    it(`POST /api/merchants – when ${label} – answers 400 invalid and creates nothing`, async () => {
      const before = await count('merchants');
      const res = await server.ops('POST', '/api/merchants', body);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid');
      expect(await count('merchants')).to.equal(before);
    });
  }

  it('POST /api/vouchers – answers 201 with cards that redeem once through topup.card', async () => {
    const res = await server.ops('POST', '/api/vouchers', { count: 2, amount: 500 });
    expect(res.status).to.equal(201);
    expect(res.body).to.have.length(2);
    for (const card of res.body) {
      expect(card.serial).to.match(/^86\d{14}$/);
      expect(card.pin).to.match(/^\d{6}$/);
      expect(card.amount).to.equal(500);
    }
    expect(res.body[0].serial).not.to.equal(res.body[1].serial);

    const msisdn = await h.openWallet(newMsisdn(), 1_000n);
    const [card] = res.body;
    const redeemed = await h.run('topup.card', { msisdn, serial: card.serial, cardPin: card.pin });
    expect(redeemed, JSON.stringify(redeemed)).to.deep.include({ ok: true });
    expect(await balance(msisdn)).to.equal(1_500);

    const again = await h.run('topup.card', { msisdn, serial: card.serial, cardPin: card.pin });
    expect(again).to.deep.equal({
      ok: false,
      error: { code: 'voucher_used', message: 'this card has already been used' },
    });
    expect(await balance(msisdn)).to.equal(1_500);
  });

  for (const [label, body] of [
    ['the amount is a float (12.5)', { count: 1, amount: 12.5 }],
    ['the amount is a string', { count: 1, amount: '500' }],
    ['the amount is negative', { count: 1, amount: -500 }],
    ['the amount is zero', { count: 1, amount: 0 }],
    ['the amount is over 100000 fen', { count: 1, amount: 100_001 }],
    ['the count is zero', { count: 0, amount: 500 }],
    ['the count is over 1000', { count: 1001, amount: 500 }],
    ['the count is a float', { count: 1.5, amount: 500 }],
    ['the amount is missing', { count: 1 }],
  ] as const) {
    it(`POST /api/vouchers – when ${label} – answers 400 invalid and issues nothing`, async () => {
      const before = await count('vouchers');
      const res = await server.ops('POST', '/api/vouchers', body);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid');
      expect(await count('vouchers')).to.equal(before);
    });
  }

  it('POST /api/vouchers – at the largest amount – issues the card', async () => {
    const res = await server.ops('POST', '/api/vouchers', { count: 1, amount: 100_000 });
    expect(res.status).to.equal(201);
    expect(res.body[0].amount).to.equal(100_000);
  });
});
