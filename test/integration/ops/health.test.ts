import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { readinessOf } from '../../../src/ops/index.js';
import { createHarness, type Harness, newMsisdn } from '../../helpers/harness.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

// Workers off: jobs stay waiting, so the gauges and the dashboard have something to show.
describe('ops: health, readiness, metrics and the queue dashboard', () => {
  let h: Harness;
  let server: TestServer;
  before(async () => {
    h = await createHarness({}, { workers: false });
    server = await startServer(h);
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  it('GET /healthz – without a token – answers 200 {status: ok}', async () => {
    const res = await server.call('GET', '/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
  });

  it('GET /readyz – when PostgreSQL and Redis answer – answers 200 listing both checks', async () => {
    const res = await server.call('GET', '/readyz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ready', checks: { postgres: true, redis: true } });
  });

  it('GET /readyz – when one check is false – answers 503 and names it', async () => {
    const down = await startServer(h, {
      readiness: async () => ({ postgres: true, redis: true, smpp: false }),
    });
    try {
      const res = await down.call('GET', '/readyz');
      expect(res.status).to.equal(503);
      expect(res.body).to.deep.equal({
        status: 'not_ready',
        checks: { postgres: true, redis: true, smpp: false },
      });
    } finally {
      await down.close();
    }
  });

  it('GET /readyz – when the readiness function throws – answers 503, not 500', async () => {
    const broken = await startServer(h, {
      readiness: async () => {
        throw new Error('probe exploded');
      },
    });
    try {
      const res = await broken.call('GET', '/readyz');
      expect(res.status).to.equal(503);
      expect(res.body.status).to.equal('not_ready');
    } finally {
      await broken.close();
    }
  });

  // The probe that never answers settles nothing by itself: the answer arriving at all is the deadline's
  // doing. How soon it arrives is a speed claim, for a benchmark, not for this test.
  it('readinessOf – when a probe throws or never answers – still answers, reporting those two false', async () => {
    const readiness = readinessOf(
      {
        fine: () => true,
        throws: () => {
          throw new Error('no');
        },
        hangs: () => new Promise<boolean>(() => undefined),
      },
      100,
    );
    expect(await readiness()).to.deep.equal({ fine: true, throws: false, hangs: false });
  });

  it('GET /metrics – with one command job waiting – counts exactly it in its partition, 0 elsewhere, and the SMS and callback queues too', async () => {
    // A harness of its own (its own Redis prefix, so its own queues): no other test's jobs in the counts.
    const own = await createHarness({}, { workers: false });
    const ownServer = await startServer(own);
    try {
      const command = { key: randomUUID(), type: 'balance' as const, input: { msisdn: newMsisdn() } };
      const partition = own.bus.partitionOf(command);
      await own.bus.send(command);
      const res = await ownServer.call('GET', '/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(res.text).to.include('# TYPE fen_queue_jobs gauge');
      const gauge = res.text.split('\n').filter((line) => line.startsWith('fen_queue_jobs{'));
      const expected = [...own.bus.allQueues.map((q) => q.name), 'sms-outbound', 'merchant-callbacks'].flatMap((queue) =>
        ['waiting', 'active', 'delayed', 'failed'].map(
          (state) =>
            `fen_queue_jobs{queue="${queue}",state="${state}"} ${queue === `commands-${partition}` && state === 'waiting' ? 1 : 0}`,
        ),
      );
      expect(gauge.sort()).to.deep.equal(expected.sort());
      expect(res.text).to.include('process_cpu_user_seconds_total');
    } finally {
      await ownServer.close();
      await own.close();
    }
  });

  it('GET /ops/queues – without a token – answers 401 and asks the browser for credentials', async () => {
    const res = await server.call('GET', '/ops/queues');
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('unauthorized');
    expect(res.headers.get('www-authenticate')).to.match(/^Basic /);
    const api = await server.call('GET', '/ops/queues/api/queues', { token: 'wrong-token-0123456789' });
    expect(api.status).to.equal(401);
  });

  it('an unknown /ops path – answers 401 without the token and 404 with it', async () => {
    expect((await server.call('GET', '/ops/nothing')).status).to.equal(401);
    expect((await server.ops('GET', '/ops/nothing')).status).to.equal(404);
  });

  it('GET /ops/queues – with the bearer token or Basic password – serves the dashboard over every queue', async () => {
    const page = await server.ops('GET', '/ops/queues');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('<base href="/ops/queues/"');
    const basic = Buffer.from(`ops:${OPS_TOKEN}`).toString('base64');
    const api = await server.call('GET', '/ops/queues/api/queues', {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(api.status).to.equal(200);
    const names = api.body.queues.map((q: { name: string }) => q.name).sort();
    expect(names).to.deep.equal([...h.bus.allQueues.map((q) => q.name), 'sms-outbound', 'merchant-callbacks'].sort());
  });

  it('GET /ops/queues – with a payment job waiting – shows its data with the PIN sealed', async () => {
    const pin = '975318';
    const command = {
      key: randomUUID(),
      type: 'payment' as const,
      input: { msisdn: newMsisdn(), merchant: 'm1', amount: '100', pin },
    };
    const queue = h.bus.allQueues[h.bus.partitionOf(command)].name;
    await h.bus.send(command);
    const res = await server.ops('GET', `/ops/queues/api/queues?activeQueue=${queue}&status=waiting&page=1`);
    expect(res.status).to.equal(200);
    const shown = res.body.queues.find((q: { name: string }) => q.name === queue);
    const job = shown.jobs.find((j: { data: { merchant?: string } }) => j.data.merchant === 'm1');
    expect(job, 'the waiting payment job is listed').to.exist;
    expect(job.data).not.to.have.property('pin');
    expect(job.data.sealed).to.match(/^sealed1\.[0-9a-f]{8}\./);
    expect(job.data.amount).to.equal('100');
    expect(res.text).not.to.include(pin);
  });
});
