import { expect } from 'chai';
import { callbackSignature, nextCallbackDelay } from '../../../src/queue/merchant-callbacks.js';
import { verifySignature } from '../../helpers/merchant-server.js';

const HOUR = 3_600_000;

describe('merchant callbacks – retry schedule and signature', () => {
  const retry = { firstDelayMs: 5_000 };

  it('the waits – start within 10 s, at most double the one before, never over an hour, for 24 hours', () => {
    const queuedAt = 0;
    let now = 0;
    const waits: number[] = [];
    for (let failures = 1; ; failures++) {
      const wait = nextCallbackDelay(failures, queuedAt, now, retry);
      if (wait < 0) break;
      waits.push(wait);
      now += wait;
    }
    expect(waits[0]).to.be.at.most(10_000);
    for (let i = 1; i < waits.length; i++) {
      expect(waits[i]).to.be.at.most(2 * waits[i - 1]);
      expect(waits[i]).to.be.at.least(waits[i - 1]);
    }
    expect(Math.max(...waits)).to.equal(HOUR);
    expect(now).to.be.at.most(24 * HOUR);
    // The last retry comes within an hour of the end: the schedule covers the whole day.
    expect(now).to.be.greaterThan(23 * HOUR);
  });

  it('a retry – that would come past 24 hours – is not made', () => {
    expect(nextCallbackDelay(40, 0, 24 * HOUR - 1_000, retry)).to.equal(-1);
    expect(nextCallbackDelay(40, 0, 22 * HOUR, retry)).to.equal(HOUR);
  });

  it('the signature – verifies with the secret over "<t>.<body>", and not with another secret or body', () => {
    const body = '{"event":"payment.paid","id":"7"}';
    const t = Math.floor(Date.now() / 1000);
    const header = callbackSignature('whsec_a', body, t);
    expect(header).to.match(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_a', header, body)).to.equal(true);
    expect(verifySignature('whsec_b', header, body)).to.equal(false);
    expect(verifySignature('whsec_a', header, `${body} `)).to.equal(false);
    expect(verifySignature('whsec_a', callbackSignature('whsec_a', body, t - 3_600), body)).to.equal(false);
  });
});
