import { expect } from 'chai';
import { DrainLoop } from '../../../src/lib/drain-loop.js';

/** A relay whose ticks ask `waiting` first; it counts the looks and the drains. */
class CountingLoop extends DrainLoop {
  looks = 0;
  drains = 0;
  constructor(private readonly waiting: () => Promise<boolean>) {
    super(10, 10, 'test relay');
  }
  protected override anyWaiting(): Promise<boolean> {
    this.looks++;
    return this.waiting();
  }
  async relayOnce(): Promise<number> {
    this.drains++;
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('drain loop – its ticks and kicks', () => {
  const loops: DrainLoop[] = [];
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
  });
  const started = (waiting: () => Promise<boolean>) => {
    const loop = new CountingLoop(waiting);
    loops.push(loop);
    loop.start();
    return loop;
  };

  it('ticks with nothing waiting – look and never drain', async () => {
    const loop = started(async () => false);
    await sleep(80);
    expect(loop.looks).to.be.greaterThan(2);
    expect(loop.drains).to.equal(0);
  });

  it('ticks with something waiting – drain', async () => {
    const loop = started(async () => true);
    await sleep(80);
    expect(loop.drains).to.be.greaterThan(2);
  });

  it('a kick – drains at once, without looking first', async () => {
    const loop = new CountingLoop(async () => false);
    loops.push(loop);
    loop.kick();
    await loop.stop();
    expect(loop.drains).to.equal(1);
    expect(loop.looks).to.equal(0);
  });

  it('a look that fails – does not stop the loop: the next tick looks again, and drains', async () => {
    let calls = 0;
    const loop = started(async () => {
      calls++;
      if (calls === 1) throw new Error('database away');
      return true;
    });
    await sleep(80);
    expect(loop.looks).to.be.greaterThan(1);
    expect(loop.drains).to.be.greaterThan(0);
  });
});
