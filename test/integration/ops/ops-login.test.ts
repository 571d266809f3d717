import { expect } from 'chai';
import { OPS_TOKEN, type Reply, type TestServer, useOpsServer } from './server.js';

/** The `name=value` of a Set-Cookie header of a reply. */
const cookieOf = (res: Reply, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('ops pages: the login, the session and the token', () => {
  let server: TestServer;
  useOpsServer((_h, s) => {
    server = s;
  });

  /** Posts a form without following the redirect it answers (the redirect is what is checked). */
  async function post(path: string, fields: Record<string, string>, cookie = ''): Promise<Reply> {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      body: form(fields),
      headers: { ...FORM, cookie },
      redirect: 'manual',
    });
    return { status: res.status, headers: res.headers, text: await res.text(), body: null };
  }

  /** Logs in as `name`: the session cookie. */
  async function logIn(name: string): Promise<string> {
    const page = await server.call('GET', '/ops/login');
    const res = await post(
      '/ops/login',
      { csrf: csrfIn(page.text), name, token: OPS_TOKEN, next: '/ops/queues' },
      cookieOf(page, 'fen_ops_csrf') ?? '',
    );
    expect(res.status, res.text).to.equal(303);
    expect(res.headers.get('location')).to.equal('/ops/queues');
    const set = res.headers.getSetCookie().find((c) => c.startsWith('fen_ops='));
    expect(set).to.match(/HttpOnly/i);
    expect(set).to.match(/SameSite=Strict/i);
    return cookieOf(res, 'fen_ops') ?? '';
  }

  const guarded = [
    '/ops',
    '/ops/events',
    '/ops/assets/wall.client.js',
    '/ops/assets/uPlot.iife.min.js',
    '/ops/queues',
    '/ops/queues/api/queues',
    '/ops/nothing-here',
  ];

  it('every /ops page and call – without the token or a session – is refused (401, or the login page for a browser)', async () => {
    for (const path of guarded) {
      const res = await server.call('GET', path);
      expect(res.status, path).to.equal(401);
      const wrong = await server.call('GET', path, {
        headers: { cookie: 'fen_ops=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      expect(wrong.status, `${path} with an unknown session`).to.equal(401);
    }
    const browser = await fetch(`${server.url}/ops`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(browser.status).to.equal(303);
    expect(browser.headers.get('location')).to.equal('/ops/login?next=%2Fops');
  });

  it('every /ops page – with the bearer token, Basic, or a session – is served', async () => {
    const basic = `Basic ${Buffer.from(`ops:${OPS_TOKEN}`).toString('base64')}`;
    const session = await logIn('钱七');
    for (const path of guarded.filter((p) => p !== '/ops/events' && p !== '/ops/nothing-here')) {
      expect((await server.ops('GET', path)).status, `${path} bearer`).to.equal(200);
      expect(
        (await server.call('GET', path, { headers: { authorization: basic } })).status,
        `${path} basic`,
      ).to.equal(200);
      expect(
        (await server.call('GET', path, { headers: { cookie: session } })).status,
        `${path} session`,
      ).to.equal(200);
    }
    expect((await server.ops('GET', '/ops/nothing-here')).status).to.equal(404);
  });

  it('GET /ops – the wall page – allows scripts from this origin only and loads nothing from outside', async () => {
    const res = await server.ops('GET', '/ops');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("default-src 'none'");
    expect(csp).not.to.include('unsafe-inline');
    expect(res.text).not.to.match(/(src|href)="(https?:)?\/\//);
    expect(res.text).to.include('/ops/assets/uPlot.iife.min.js');
    const board = await server.ops('GET', '/ops/queues');
    expect(board.text).not.to.include('fonts.googleapis.com');
    expect(board.headers.get('content-security-policy')).to.include("default-src 'self'");
  });

  it('POST /ops/login – without the form’s CSRF token, or with a wrong token – opens no session, and the failed login is audited', async () => {
    const page = await server.call('GET', '/ops/login');
    const csrfCookie = cookieOf(page, 'fen_ops_csrf') ?? '';
    const noCsrf = await post('/ops/login', { name: 'eve', token: OPS_TOKEN }, csrfCookie);
    expect(noCsrf.status).to.equal(403);
    expect(cookieOf(noCsrf, 'fen_ops')).to.equal(undefined);
    const otherCookie = await post('/ops/login', { csrf: csrfIn(page.text), name: 'eve', token: OPS_TOKEN });
    expect(otherCookie.status).to.equal(403);
    const wrong = await post(
      '/ops/login',
      { csrf: csrfIn(page.text), name: 'mallory', token: 'guess-guess-guess' },
      csrfCookie,
    );
    expect(wrong.status).to.equal(401);
    expect(cookieOf(wrong, 'fen_ops')).to.equal(undefined);
    expect(wrong.text).to.include('姓名或令牌不正确');
    const audit = (await server.ops('GET', '/api/audit?operator=mallory')).body.entries;
    expect(audit.map((e: { action: string; outcome: string }) => [e.action, e.outcome])).to.deep.equal([
      ['ops.login', 'wrong_token'],
    ]);
  });

  it('POST /ops/login – with a next that leads elsewhere – lands on /ops instead', async () => {
    const page = await server.call('GET', '/ops/login');
    const res = await post(
      '/ops/login',
      { csrf: csrfIn(page.text), name: 'ann', token: OPS_TOKEN, next: '//evil.example/ops' },
      cookieOf(page, 'fen_ops_csrf') ?? '',
    );
    expect(res.headers.get('location')).to.equal('/ops');
  });

  it('POST /ops/logout – with the session’s CSRF token – ends the session, which then opens nothing; without it, 403', async () => {
    const session = await logIn('bob');
    const wall = await server.call('GET', '/ops', { headers: { cookie: session } });
    expect(wall.text).to.include('bob');
    const refused = await post('/ops/logout', { csrf: 'x' }, session);
    expect(refused.status).to.equal(403);
    expect((await server.call('GET', '/ops', { headers: { cookie: session } })).status).to.equal(200);
    const out = await post('/ops/logout', { csrf: csrfIn(wall.text) }, session);
    expect(out.status).to.equal(303);
    expect((await server.call('GET', '/ops', { headers: { cookie: session } })).status).to.equal(401);
    const audit = (await server.ops('GET', '/api/audit?operator=bob')).body.entries;
    expect(audit.map((e: { action: string }) => e.action)).to.deep.equal(['ops.logout', 'ops.login']);
  });
});
