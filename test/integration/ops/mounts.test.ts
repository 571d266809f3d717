import { expect } from 'chai';
import { Router } from 'express';
import { createChannelDeps, type RunningChannels, startChannels } from '../../../src/channels/index.js';
import { createApp } from '../../../src/http/index.js';
import { contextReadiness } from '../../../src/ops/index.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

/** A router that records each time it is entered, answering GET `<path>/x` with its name. */
function channelRouter(name: string, path: string, entered: string[]): Router {
  const router = Router();
  router.use((_req, _res, next) => {
    entered.push(name);
    next();
  });
  router.get(`${path}/x`, (_req, res) => {
    res.json({ name });
  });
  return router;
}

describe('http: channel routers entered only for their own paths', () => {
  let h: Harness;
  let server: TestServer;
  const entered: string[] = [];
  before(async () => {
    h = await createHarness({}, { workers: false });
    server = await startServer(h, {
      routers: [
        { within: '/alpha', router: channelRouter('alpha', '/alpha', entered) },
        { within: '/beta', router: channelRouter('beta', '/beta', entered) },
        // At the root, as every channel's router once was: entered for every request that reaches it.
        channelRouter('gamma', '/gamma', entered),
      ],
    });
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });
  beforeEach(() => {
    entered.length = 0;
  });

  it('a request under one channel’s path – it enters that router alone, which answers it', async () => {
    const res = await server.call('GET', '/beta/x');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ name: 'beta' });
    expect(entered).to.deep.equal(['beta']);
  });

  it('a request under no channel’s path – it passes the channels’ routers by, and a router at the root is entered', async () => {
    expect((await server.call('GET', '/gamma/x')).body).to.deep.equal({ name: 'gamma' });
    expect(entered).to.deep.equal(['gamma']);
    entered.length = 0;
    expect((await server.ops('GET', '/healthz')).status).to.equal(200);
    expect(entered).to.deep.equal(['gamma']);
  });

  it('the prefix in another case, or only the start of a segment – matched as express’s routes are: case aside, whole segments only', async () => {
    expect((await server.call('GET', '/ALPHA/x')).body).to.deep.equal({ name: 'alpha' });
    expect(entered).to.deep.equal(['alpha']);
    entered.length = 0;
    const miss = await server.call('GET', '/alphabet/x');
    expect(miss.status).to.equal(404);
    expect(entered).to.deep.equal(['gamma']);
  });

  it('the metrics – their route label is still the full pattern that answered, on the count and the time', async () => {
    await server.call('GET', '/beta/x');
    const metrics = await server.ops('GET', '/metrics');
    expect(metrics.text).to.match(
      /fen_http_requests_total\{method="GET",route="\/beta\/x",status="200"\} [1-9]/,
    );
    // Both come from the request's one end hook (requestContext's), so both must be there.
    expect(metrics.text).to.match(/fen_http_request_seconds_count\{method="GET",route="\/beta\/x"\} [1-9]/);
  });

  it('a prefix that is not one plain path segment – refused when the app is made', () => {
    for (const within of ['beta', '/a/b', '/a.b', '/', '']) {
      expect(() =>
        createApp(h, {
          opsToken: OPS_TOKEN,
          readiness: contextReadiness(h),
          routers: [{ within, router: Router() }],
        }),
      ).to.throw(/one path segment/);
    }
  });

  it('the registered channels, mounted as the gateway mounts them – each one’s routes lie under its id and answer there, none a 404', async () => {
    let channels: RunningChannels | undefined;
    let gateway: TestServer | undefined;
    try {
      channels = await startChannels(createChannelDeps({ ...h, kickOutbox: () => h.relay.kick() }));
      expect(channels.adapters.flatMap((a) => (a.routes ? [[a.id, a.routes.within]] : []))).to.deep.equal([
        ['ussd', '/ussd'],
        ['ivr', '/ivr'],
        ['stk', '/stk'],
        ['wap', '/wap'],
      ]);
      gateway = await startServer(h, { routers: channels.routers });
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      // USSD without its fields: 400; the IVR with no Twilio token configured: 503; the others: 200.
      const answers = [
        (await gateway.call('POST', '/ussd', { body: '', headers: form })).status,
        (await gateway.call('POST', '/ivr/voice', { body: '', headers: form })).status,
        (await gateway.call('GET', '/stk/menu')).status,
        (await gateway.call('GET', '/wap/login')).status,
      ];
      expect(answers).to.deep.equal([400, 503, 200, 200]);
      expect((await gateway.call('GET', '/stk/nothing-here')).status).to.equal(404);
    } finally {
      await gateway?.close();
      await channels?.stop();
    }
  });
});
