import { expect } from 'chai';
import { Registry } from 'prom-client';
import { wallSnapshot } from '../../../src/ops/index.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { createOwnDatabase, type OwnDatabase } from '../../helpers/own-database.js';

describe('ops: the wall screen snapshot', () => {
  let own: OwnDatabase;
  let h: Harness;
  before(async () => {
    own = await createOwnDatabase('ops_wall');
    h = await createHarness({ databaseUrl: own.url });
  });
  after(async () => {
    await h?.close();
    await own?.drop();
  });

  it('wallSnapshot – with payments, a refusal and open sessions – counts them per minute, per reason and per channel', async () => {
    await h.merchant('WS01');
    const payer = await h.openWallet(newMsisdn(), 1_000n);
    const pay = (amount: string, pin = TEST_PIN) =>
      h.run('payment', { msisdn: payer, merchant: 'WS01', amount, pin, reference: `${amount}-${pin}` });
    expect((await pay('100')).ok).to.equal(true);
    expect((await pay('200')).ok).to.equal(true);
    expect((await pay('999999')).ok).to.equal(false);
    const prefix = h.config.redisPrefix;
    await h.redis.set(`${prefix}:session:ussd:s1`, 'x');
    await h.redis.set(`${prefix}:session:ussd:s1:lock`, 'x');
    await h.redis.set(`${prefix}:session:ussd:s2`, 'x');
    await h.redis.set(`${prefix}:session:ivr:c1`, 'x');

    const s = await wallSnapshot({
      db: h.db,
      redis: h.redis,
      prefix,
      queues: () => h.bus.allQueues,
      registry: new Registry(),
    });
    expect(s.minutes).to.have.length(30);
    expect(s.series['payment.paid'].reduce((a, b) => a + b, 0)).to.equal(2);
    expect(s.series['payment.paid'].at(-1)! + s.series['payment.paid'].at(-2)!).to.equal(2);
    expect(Object.values(s.refusals).reduce((a, b) => a + b, 0)).to.equal(1);
    expect(s.sessions).to.deep.equal({ ussd: 2, ivr: 1, stk: 0, wap: 0, sms: 0 });
    expect(s.sessionsCapped).to.equal(false);
    expect(s.ledger.balanced).to.equal(true);
    expect(s.queues.map((q) => q.name)).to.deep.equal(h.bus.allQueues.map((q) => q.name));
    // The commands ran on the workers: some partition has finished jobs, so a latency to show.
    expect(s.queues.some((q) => typeof q.latencyMs === 'number' && q.latencyMs >= 0)).to.equal(true);
    expect(JSON.stringify(s)).not.to.include(payer.slice(2));
  });
});
