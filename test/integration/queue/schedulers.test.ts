/**
 * The job schedulers registered at start, on a real Redis: a scheduler half deleted (its `repeat` entry
 * or its `delayed` set lost while its next iteration's job stays) no longer stops the process from
 * starting: the stale iteration goes and the schedule is back. Shown on the day close; the maintenance
 * sweep registers through the same `upsertScheduler`.
 */
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { DAY_CLOSE_PATTERN, DAY_CLOSE_QUEUE, DAY_CLOSE_TZ, startDayClose } from '../../../src/queue/index.js';
import { upsertScheduler } from '../../../src/queue/schedulers.js';
import { createHarness, type Harness } from '../../helpers/harness.js';

describe('job schedulers at start (real Redis)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({}, { workers: false });
  });
  after(() => h.close());

  const startDay = () =>
    startDayClose({ db: h.db, bus: h.bus, connection: h.connection, prefix: h.config.redisPrefix });
  const key = (part: string) => `${h.config.redisPrefix}:${DAY_CLOSE_QUEUE}:${part}`;

  /** The schedule as registered, and the ids of its iterations waiting. */
  async function dayCloseState() {
    const queue = new Queue(DAY_CLOSE_QUEUE, { connection: h.connection(), prefix: h.config.redisPrefix });
    try {
      const scheduler = await queue.getJobScheduler('day-close');
      const delayed = (await queue.getDelayed()).map((job) => job.id);
      return { scheduler, delayed };
    } finally {
      await queue.close();
    }
  }

  for (const lost of ['repeat', 'delayed'])
    it(`the day close with its \`${lost}\` key lost, its next iteration's job left – starts again, scheduled at 00:30 China time, one iteration waiting`, async () => {
      await (await startDay()).close();
      const before = await dayCloseState();
      expect(before.delayed).to.have.length(1);
      await h.redis.del(key(lost));
      // What BullMQ alone does here: it refuses, and a gateway would not start.
      const bare = new Queue(DAY_CLOSE_QUEUE, { connection: h.connection(), prefix: h.config.redisPrefix });
      try {
        const refused = await bare
          .upsertJobScheduler(
            'day-close',
            { pattern: DAY_CLOSE_PATTERN, tz: DAY_CLOSE_TZ },
            { name: 'day-close' },
          )
          .then(
            () => null,
            (err: Error) => err.message,
          );
        expect(refused).to.match(/job ID already exists/);
      } finally {
        await bare.close();
      }
      await (await startDay()).close();
      const after = await dayCloseState();
      expect(after.scheduler).to.include({ pattern: DAY_CLOSE_PATTERN, tz: DAY_CLOSE_TZ });
      expect(after.delayed).to.deep.equal(before.delayed);
    });

  it('another failure of the upsert – passed on as it was, nothing removed', async () => {
    await (await startDay()).close();
    const queue = new Queue(DAY_CLOSE_QUEUE, { connection: h.connection(), prefix: h.config.redisPrefix });
    try {
      const refused = await upsertScheduler(queue, h.connection, 'day-close', {
        pattern: 'not a cron pattern',
      }).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(refused)
        .to.be.a('string')
        .and.not.match(/job ID already exists/);
      expect((await dayCloseState()).delayed).to.have.length(1);
    } finally {
      await queue.close();
    }
  });
});
