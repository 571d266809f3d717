/**
 * A browser's part in the merchant portal, with fetch: it keeps the session cookie, reads each form's
 * CSRF token (and form key) from the page, and posts forms as a browser does
 * (`application/x-www-form-urlencoded`), never following redirects, so a test sees each answer.
 * `portalMerchant` sets up a merchant the way an operator would: the merchant by the API, its first
 * admin by `POST /api/merchants/:code/staff`, then a cashier and a reviewer made by that admin in the
 * portal; and pays it through the API and a PIN confirmation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { TestServer } from '../integration/ops/server.js';
import { type Harness, newMsisdn, TEST_PIN } from './harness.js';

export interface PortalReply {
  status: number;
  location: string | null;
  setCookie: string | null;
  text: string;
}

export class PortalClient {
  cookie: string | null = null;
  /** The CSRF token and form key of the last page read that had them. */
  csrf = '';
  formKey = '';

  constructor(readonly url: string) {}

  private async send(method: string, path: string, body?: URLSearchParams): Promise<PortalReply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${this.url}${path}`, { method, headers, body, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    const cookie = /^(portal_sid=[^;]*)/.exec(setCookie ?? '')?.[1];
    if (cookie) this.cookie = cookie === 'portal_sid=' ? null : cookie;
    const text = await res.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    const formKey = /name="formKey" value="([^"]+)"/.exec(text)?.[1];
    if (formKey) this.formKey = formKey;
    return { status: res.status, location: res.headers.get('location'), setCookie, text };
  }

  get(path: string): Promise<PortalReply> {
    return this.send('GET', path);
  }

  /** Posts a form: the session's CSRF token goes with it unless `fields` names its own `csrf`. */
  post(path: string, fields: Record<string, string> = {}): Promise<PortalReply> {
    return this.send('POST', path, new URLSearchParams({ csrf: this.csrf, ...fields }));
  }

  async logIn(merchant: string, username: string, password: string): Promise<PortalReply> {
    await this.get('/merchant/login');
    return this.post('/merchant/login', { merchant, username, password });
  }
}

export interface PortalMerchant {
  code: string;
  apiKey: string;
  reviewerKey: string;
  /** Username → password of its staff: `admin`, `cashier`, `reviewer`. */
  passwords: Record<'admin' | 'cashier' | 'reviewer', string>;
  /** A new client logged in as `who`. */
  as(who: 'admin' | 'cashier' | 'reviewer'): Promise<PortalClient>;
  /** A payment of `amount` fen by a fresh wallet, paid (request by the API, confirmed with the PIN): its id. */
  paid(amount: number, reference?: string): Promise<{ id: string; msisdn: string }>;
  /** A refund of payment `id` asked through the API with the merchant's API key: its refund id. */
  refundByApi(id: string, amount: number): Promise<string>;
}

export async function portalMerchant(h: Harness, server: TestServer): Promise<PortalMerchant> {
  const code = `pm_${randomBytes(4).toString('hex')}`;
  const made = await server.ops('POST', '/api/merchants', { code, name: '街角小店 Corner shop' });
  expect(made.status, made.text).to.equal(201);
  const first = await server.ops('POST', `/api/merchants/${code}/staff`, { username: 'admin' });
  expect(first.status, first.text).to.equal(201);
  const passwords = {
    admin: first.body.password as string,
    cashier: 'cashier-pass-1',
    reviewer: 'reviewer-pass-1',
  };
  const as = async (who: keyof typeof passwords) => {
    const client = new PortalClient(server.url);
    const res = await client.logIn(code, who, passwords[who]);
    expect(res.status, res.text).to.equal(303);
    return client;
  };
  const admin = await as('admin');
  for (const role of ['cashier', 'reviewer'] as const) {
    await admin.get('/merchant/staff');
    const res = await admin.post('/merchant/staff', { username: role, role, password: passwords[role] });
    expect(res.status, res.text).to.equal(201);
  }
  const api = (method: string, path: string, body?: unknown) =>
    server.call(method, path, { token: made.body.apiKey, body });
  return {
    code,
    apiKey: made.body.apiKey,
    reviewerKey: made.body.reviewerKey,
    passwords,
    as,
    async paid(amount, reference = randomUUID()) {
      const msisdn = await h.openWallet(newMsisdn(), 100_000n);
      const asked = await api('POST', '/api/payments', {
        msisdn: msisdn.slice(2),
        amount,
        reference,
        description: 'ticket',
      });
      expect(asked.status, asked.text).to.equal(201);
      const confirmed = await h.run('payment.confirm', { msisdn, holdId: asked.body.id, pin: TEST_PIN });
      expect(confirmed.ok, JSON.stringify(confirmed)).to.equal(true);
      return { id: asked.body.id, msisdn };
    },
    async refundByApi(id, amount) {
      const res = await api('POST', `/api/payments/${id}/refund`, {
        amount,
        reason: '顾客退货 returned',
        reference: randomUUID(),
      });
      expect(res.status, res.text).to.equal(202);
      return res.body.refundId;
    },
  };
}
