import { Writable } from 'node:stream';
import { expect } from 'chai';
import { Router } from 'express';
import { pino } from 'pino';
import { AppError } from '../../../src/lib/errors.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

describe('http: app factory, request ids and JSON errors', () => {
  let h: Harness;
  let server: TestServer;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  before(async () => {
    h = await createHarness({ maxBodyBytes: 2_048 }, { workers: false });
    const channel = Router();
    channel.post('/echo', (req, res) => {
      res.json({ body: req.body });
    });
    channel.get('/boom', () => {
      throw new Error('secret internals at /srv/app.ts:42');
    });
    channel.get('/async-boom', async () => {
      await Promise.resolve();
      throw new TypeError('cannot read properties of undefined');
    });
    channel.get('/refused', () => {
      throw new AppError('teapot', 'I am a teapot', 418);
    });
    const mounted = Router();
    mounted.get('/here', (_req, res) => {
      res.json({ mounted: true });
    });
    server = await startServer(h, {
      routers: [channel, { path: '/ussd', router: mounted }],
      logger: pino({ level: 'info' }, sink),
    });
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  it('a request – when it carries X-Request-Id – gets the same id back', async () => {
    const res = await server.call('GET', '/healthz', { headers: { 'x-request-id': 'carrier-abc.123' } });
    expect(res.headers.get('x-request-id')).to.equal('carrier-abc.123');
  });

  it('a request – without X-Request-Id, or with one that could forge a log line – gets a fresh UUID', async () => {
    const plain = await server.call('GET', '/healthz');
    expect(plain.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const forged = await server.call('GET', '/healthz', {
      headers: { 'x-request-id': `${'x'.repeat(200)}` },
    });
    expect(forged.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('an unknown route – answers 404 not_found as JSON', async () => {
    const res = await server.call('GET', '/nowhere');
    expect(res.status).to.equal(404);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.body).to.deep.equal({ error: { code: 'not_found', message: 'no route for GET /nowhere' } });
  });

  it('a body over MAX_BODY_BYTES – answers 413 payload_too_large and creates nothing', async () => {
    const before = await h.db('merchants').count({ n: '*' }).first();
    const res = await server.ops('POST', '/api/merchants', { code: 'too_big', name: 'x'.repeat(4_000) });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
    expect(await h.db('merchants').count({ n: '*' }).first()).to.deep.equal(before);
    const form = await server.call('POST', '/echo', {
      body: `a=${'x'.repeat(4_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).to.equal(413);
  });

  it('malformed JSON – answers 400 bad_json', async () => {
    const res = await server.call('POST', '/api/topups', {
      body: '{"msisdn": "13800138000", "amount": 1',
      headers: { 'content-type': 'application/json' },
      token: OPS_TOKEN,
    });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('bad_json');
  });

  it('a form-encoded body – is parsed for mounted routers (USSD and IVR post forms)', async () => {
    const res = await server.call('POST', '/echo', {
      body: 'sessionId=s1&text=1*2',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ body: { sessionId: 's1', text: '1*2' } });
  });

  it('a body – is parsed by its media type, whatever its parameters say (a form with a json-like parameter, JSON with a charset)', async () => {
    const form = await server.call('POST', '/echo', {
      body: 'sessionId=s1&text=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded; profile=json' },
    });
    expect(form.body).to.deep.equal({ body: { sessionId: 's1', text: '1' } });
    const json = await server.call('POST', '/echo', {
      body: '{"sessionId":"s2"}',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
    });
    expect(json.body).to.deep.equal({ body: { sessionId: 's2' } });
  });

  it('routers passed to createApp – are mounted at the root or under their path, before the 404', async () => {
    const res = await server.call('GET', '/ussd/here');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ mounted: true });
  });

  for (const path of ['/boom', '/async-boom']) {
    it(`an unexpected error (${path}) – answers 500 internal with the request id and no stack`, async () => {
      const res = await server.call('GET', path, { headers: { 'x-request-id': 'trace-500' } });
      expect(res.status).to.equal(500);
      expect(res.body.error.code).to.equal('internal');
      expect(res.body.error.requestId).to.equal('trace-500');
      expect(res.body.error.message).to.include('trace-500');
      expect(res.text).not.to.match(/secret internals|\.ts:\d+|TypeError|at /);
      const logged = lines.find((l) => l.reqId === 'trace-500' && l.msg === 'unhandled error');
      expect(logged, 'the error is logged with its request id').to.exist;
      expect(JSON.stringify(logged)).to.match(/at .*errors\.test\.ts/);
    });
  }

  it('every request – is logged once with method, path, status and duration, never its body or token', async () => {
    const res = await server.ops('POST', '/api/merchants', { code: 'bad code', name: 'BODY-MARKER-7731' });
    expect(res.status).to.equal(400);
    const id = res.headers.get('x-request-id');
    const mine = lines.filter((l) => l.reqId === id);
    expect(mine).to.have.length(1);
    expect(mine[0]).to.include({ msg: 'request', method: 'POST', path: '/api/merchants', status: 400 });
    expect(mine[0].ms).to.be.a('number');
    const all = JSON.stringify(lines);
    expect(all).not.to.include('BODY-MARKER-7731');
    expect(all).not.to.include(OPS_TOKEN);
  });

  it('an AppError – answers its own status and code', async () => {
    const res = await server.call('GET', '/refused');
    expect(res.status).to.equal(418);
    expect(res.body).to.deep.equal({ error: { code: 'teapot', message: 'I am a teapot' } });
  });
});
