import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { tokenMatches } from '../../../src/ops/index.js';
import { createHarness, type Harness, newMsisdn } from '../../helpers/harness.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

describe('ops API: operator authentication', () => {
  let h: Harness;
  let server: TestServer;
  let msisdn: string;
  before(async () => {
    h = await createHarness();
    server = await startServer(h);
    msisdn = await h.openWallet(newMsisdn(), 1_000n);
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  const code = () => `auth_${randomBytes(4).toString('hex')}`;
  const routes = (): [string, string, unknown?][] => [
    ['GET', `/api/accounts/${msisdn}`],
    ['GET', `/api/accounts/${msisdn}/transactions`],
    ['POST', '/api/merchants', { code: code(), name: 'Shop' }],
    ['POST', '/api/vouchers', { count: 1, amount: 100 }],
    ['POST', '/api/topups', { msisdn, amount: 100, reference: `auth-${randomBytes(4).toString('hex')}` }],
    ['GET', '/api/ledger/check'],
  ];

  for (const [label, token] of [
    ['missing', null],
    ['wrong', 'not-the-ops-token-at-all'],
    ['a prefix of the right', OPS_TOKEN.slice(0, -1)],
  ] as const) {
    it(`every operator route – when the token is ${label} – answers 401 JSON and changes nothing`, async () => {
      const merchantsBefore = await h.db('merchants').count({ n: '*' }).first();
      const vouchersBefore = await h.db('vouchers').count({ n: '*' }).first();
      for (const [method, path, body] of routes()) {
        const res = await server.call(method, path, { body, token });
        expect(res.status, `${method} ${path}`).to.equal(401);
        expect(res.body, `${method} ${path}`).to.deep.equal({
          error: { code: 'unauthorized', message: 'missing or wrong bearer token' },
        });
        expect(res.headers.get('www-authenticate')).to.match(/^Bearer /);
      }
      expect(await h.db('merchants').count({ n: '*' }).first()).to.deep.equal(merchantsBefore);
      expect(await h.db('vouchers').count({ n: '*' }).first()).to.deep.equal(vouchersBefore);
      const account = await server.ops('GET', `/api/accounts/${msisdn}`);
      expect(account.body.balance).to.equal(1_000);
    });
  }

  it('GET /api/accounts/:msisdn – when the token is sent as Basic – answers 401 (only the dashboard takes Basic)', async () => {
    const basic = Buffer.from(`ops:${OPS_TOKEN}`).toString('base64');
    const res = await server.call('GET', `/api/accounts/${msisdn}`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(res.status).to.equal(401);
  });

  it('GET /api/accounts/:msisdn – when the scheme is written in lower case – accepts the token', async () => {
    const res = await server.call('GET', `/api/accounts/${msisdn}`, {
      headers: { authorization: `bearer ${OPS_TOKEN}` },
    });
    expect(res.status).to.equal(200);
  });

  it('an unknown /api route – without a token – answers 404, leaving /api free for the merchant API', async () => {
    const res = await server.call('GET', '/api/nothing-here');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
  });

  it('tokenMatches – compares whole tokens only', () => {
    expect(tokenMatches(OPS_TOKEN, OPS_TOKEN)).to.equal(true);
    expect(tokenMatches(`${OPS_TOKEN}x`, OPS_TOKEN)).to.equal(false);
    expect(tokenMatches('', OPS_TOKEN)).to.equal(false);
  });
});
