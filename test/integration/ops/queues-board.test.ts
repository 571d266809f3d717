/**
 * Bull Board makes no job and rewrites none: adding a job (a duplicate is an add), editing a job's data or
 * any other write the dashboard does not list is refused with 403, changes nothing and is recorded as
 * refused; retrying and removing a failed job still work and are recorded. Through the dashboard's own
 * API, authenticated as an operator.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { expect } from 'chai';
import { createHarness, type Harness, newMsisdn } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/ledger.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

describe('ops: Bull Board adds no job and edits no job data', function () {
  this.timeout(30_000);
  let h: Harness;
  let server: TestServer;
  let flaky: Queue;
  let worker: Worker;
  const name = `board-${randomBytes(3).toString('hex')}`;
  before(async () => {
    h = await createHarness();
    flaky = new Queue(name, { connection: h.redis, prefix: h.config.redisPrefix });
    // Every job fails its first attempt (and has only one): it waits in the failed set.
    const tried = new Set<string>();
    worker = new Worker(
      name,
      async (job) => {
        if (!tried.has(job.id!)) {
          tried.add(job.id!);
          throw new Error('the first attempt fails');
        }
        return 'done';
      },
      { connection: h.connection(), prefix: h.config.redisPrefix },
    );
    server = await startServer(h, { extraQueues: () => [flaky] });
  });
  after(async () => {
    await server?.close();
    await worker?.close();
    await flaky?.close();
    await h?.close();
  });

  const board = (method: string, path: string, body?: unknown) =>
    server.call(method, `/ops/queues/api${path}`, {
      body,
      token: OPS_TOKEN,
      headers: { 'x-operator': 'night-shift' },
    });
  const rows = (target: string) =>
    h.db('audit_log').where({ target }).orderBy('id').select('operator', 'action', 'outcome');
  const jobsIn = async (queue: Queue) =>
    Object.values(await queue.getJobCounts()).reduce((n, count) => n + count, 0);
  const failedJob = async (data: Record<string, unknown>) => {
    const job = await flaky.add('fails', data, { attempts: 1 });
    await waitFor(async () => (await flaky.getJob(job.id!))?.failedReason !== undefined);
    return job;
  };

  it('add a job – to a command queue, as a forged top-up – is refused 403, the queue gets nothing, the audit log says refused', async () => {
    const commands = h.bus.allQueues[0];
    const before = await jobsIn(commands);
    const forged = {
      name: 'topup.counter',
      data: { msisdn: newMsisdn(), amount: '100000', reference: 'forged' },
      options: {},
    };
    for (const path of [`/queues/${commands.name}/add`, `/queues/${commands.name}/ADD/`]) {
      const res = await board('POST', path, forged);
      expect(res.status, path).to.equal(403);
      expect(res.body.error.code).to.equal('job_write_refused');
      expect(res.body.error.message).to.match(/does not add jobs or change job data/);
    }
    expect(await jobsIn(commands)).to.equal(before);
    expect(await rows(commands.name)).to.deep.equal([
      { operator: 'night-shift', action: 'job.add', outcome: 'refused' },
      { operator: 'night-shift', action: 'job.add', outcome: 'refused' },
    ]);
  });

  it('update a job’s data – of a failed job – is refused 403 and the job keeps its data; duplicating it (an add) is refused too', async () => {
    const job = await failedJob({ amount: '100' });
    const edit = await board('PATCH', `/queues/${name}/${job.id}/update-data`, {
      jobData: { amount: '999999' },
    });
    expect(edit.status).to.equal(403);
    expect(edit.body.error.code).to.equal('job_write_refused');
    const before = await jobsIn(flaky);
    const duplicate = await board('POST', `/queues/${name}/add`, { name: 'fails', data: { amount: '100' } });
    expect(duplicate.status).to.equal(403);
    expect((await flaky.getJob(job.id!))?.data).to.deep.equal({ amount: '100' });
    expect(await jobsIn(flaky)).to.equal(before);
    expect(await rows(`${name}/${job.id}`)).to.deep.equal([
      { operator: 'night-shift', action: 'job.update-data', outcome: 'refused' },
    ]);
  });

  it('a write the dashboard does not list – running a job scheduler now – is refused 403', async () => {
    const res = await board('PUT', `/queues/${name}/job-schedulers/every-minute/run`);
    expect(res.status).to.equal(403);
    expect(await rows(`${name}/every-minute`)).to.deep.equal([
      { operator: 'night-shift', action: 'scheduler.run', outcome: 'refused' },
    ]);
  });

  it('retry and remove – of failed jobs – still work, and the audit log says ok for each', async () => {
    const retried = await failedJob({ n: 1 });
    const removed = await failedJob({ n: 2 });
    const retry = await board('PUT', `/queues/${name}/${retried.id}/retry`);
    expect(retry.status, retry.text).to.be.within(200, 299);
    await waitFor(async () => (await (await flaky.getJob(retried.id!))?.getState()) === 'completed');
    const remove = await board('PUT', `/queues/${name}/${removed.id}/clean`);
    expect(remove.status, remove.text).to.be.within(200, 299);
    expect(await flaky.getJob(removed.id!)).to.equal(undefined);
    expect(await rows(`${name}/${retried.id}`)).to.deep.equal([
      { operator: 'night-shift', action: 'job.retry', outcome: 'ok' },
    ]);
    expect(await rows(`${name}/${removed.id}`)).to.deep.equal([
      { operator: 'night-shift', action: 'job.remove', outcome: 'ok' },
    ]);
    // Reads are not actions: the dashboard still lists the queue.
    expect((await board('GET', '/queues')).status).to.equal(200);
  });
});
