import { expect } from 'chai';
import { Batcher } from '../../../src/lib/batcher.js';

describe('batcher', () => {
  it('items submitted together – are flushed as one batch and each gets its own result', async () => {
    const seen: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        seen.push(items);
        return items.map((i) => i * 2);
      },
      { max: 100, waitMs: 5, maxInFlight: 1 },
    );
    const results = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results).to.deep.equal([2, 4, 6]);
    expect(seen).to.deep.equal([[1, 2, 3]]);
  });

  it('more items than max – are split into batches of at most max', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        return items;
      },
      { max: 4, waitMs: 1, maxInFlight: 2 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(Math.max(...sizes)).to.be.at.most(4);
    expect(sizes.reduce((a, b) => a + b, 0)).to.equal(10);
  });

  it('an Error in the outcome – rejects only that item', async () => {
    const batcher = new Batcher<number, number>(
      async (items) => items.map((i) => (i === 2 ? new Error('bad') : i)),
      {
        max: 10,
        waitMs: 1,
        maxInFlight: 1,
      },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(i)));
    expect(settled.map((s) => s.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
  });
});

describe('batcher without a wait (waitMs 0)', () => {
  it('items of one turn – are one batch; items arriving while it runs – form the next one', async () => {
    const seen: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const batcher = new Batcher<number, number>(
      async (items) => {
        seen.push(items);
        if (seen.length === 1) await gate;
        return items;
      },
      { max: 100, waitMs: 0, maxInFlight: 1 },
    );
    const first = [1, 2].map((i) => batcher.submit(i));
    await new Promise((r) => setImmediate(r));
    const second = [3, 4, 5].map((i) => batcher.submit(i));
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal([[1, 2]]);
    release();
    expect(await Promise.all([...first, ...second])).to.deep.equal([1, 2, 3, 4, 5]);
    expect(seen).to.deep.equal([
      [1, 2],
      [3, 4, 5],
    ]);
  });
});

describe('batcher isolating failures', () => {
  it('a batch that fails as a whole – each item is tried alone: only the bad one fails', async () => {
    const seen: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        seen.push(items);
        if (items.includes(13)) throw new Error('refused: 13');
        return items;
      },
      { max: 10, waitMs: 0, maxInFlight: 1, isolateFailures: true },
    );
    const settled = await Promise.allSettled([12, 13, 14].map((i) => batcher.submit(i)));
    expect(settled.map((s) => s.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(seen[0]).to.deep.equal([12, 13, 14]);
    expect(seen.slice(1).sort()).to.deep.equal([[12], [13], [14]]);
  });

  it('without the option – the whole batch fails with it', async () => {
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (items.includes(13)) throw new Error('refused: 13');
        return items;
      },
      { max: 10, waitMs: 0, maxInFlight: 1 },
    );
    const settled = await Promise.allSettled([12, 13].map((i) => batcher.submit(i)));
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected']);
  });
});
