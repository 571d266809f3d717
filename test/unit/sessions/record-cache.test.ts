import { expect } from 'chai';
import { createRecordCache } from '../../../src/sessions/session-runtime.js';

/** An entry whose live state records whether it was let go. */
function entry(name: string, disposed: string[]) {
  return {
    sealed: `sealed-${name}`,
    record: { state: name, step: 1, nonce: name },
    live: { dispose: () => disposed.push(name) },
  };
}

describe('session runtime – the record cache', () => {
  let caches: { close(): void }[] = [];
  const cacheOf = (...args: Parameters<typeof createRecordCache>) => {
    const cache = createRecordCache(...args);
    caches.push(cache);
    return cache;
  };
  afterEach(() => {
    for (const c of caches) c.close();
    caches = [];
  });

  it('full – admits no new session (its live state let go) and keeps every one it holds', () => {
    const disposed: string[] = [];
    const cache = cacheOf(2);
    cache.put('a', entry('a', disposed));
    cache.put('b', entry('b', disposed));
    cache.put('c', entry('c', disposed));
    expect(disposed).to.deep.equal(['c']);
    expect(cache.take('c')).to.equal(undefined);
    expect(cache.take('a')?.sealed).to.equal('sealed-a');
    expect(cache.take('b')?.sealed).to.equal('sealed-b');
  });

  it('full, with a session taken out by its running step – keeps its slot, so the step puts it back', () => {
    const disposed: string[] = [];
    const cache = cacheOf(2);
    cache.put('a', entry('a1', disposed));
    cache.put('b', entry('b', disposed));
    cache.take('a');
    cache.put('c', entry('c', disposed));
    cache.put('a', entry('a2', disposed));
    expect(disposed).to.deep.equal(['c']);
    expect(cache.take('a')?.sealed).to.equal('sealed-a2');
  });

  it('a session ended – its slot frees for the next session', () => {
    const disposed: string[] = [];
    const cache = cacheOf(1);
    cache.put('a', entry('a', disposed));
    cache.release('a');
    cache.put('b', entry('b', disposed));
    expect(disposed).to.deep.equal(['a']);
    expect(cache.take('b')?.sealed).to.equal('sealed-b');
  });

  it('a session put again – disposes the live state it replaces', () => {
    const disposed: string[] = [];
    const cache = cacheOf(5);
    cache.put('a', entry('a1', disposed));
    cache.put('a', entry('a2', disposed));
    expect(disposed).to.deep.equal(['a1']);
    expect(cache.take('a')?.sealed).to.equal('sealed-a2');
  });

  it('full – admits a new session in place of one unstepped for the idle time; a younger one stays', () => {
    const disposed: string[] = [];
    let now = 0;
    const cache = cacheOf(2, 60_000, () => now);
    cache.put('old', entry('old', disposed));
    now = 30_000;
    cache.put('young', entry('young', disposed));
    now = 60_001;
    cache.put('new', entry('new', disposed));
    expect(disposed).to.deep.equal(['old']);
    expect(cache.size).to.equal(2);
    expect(cache.take('old')).to.equal(undefined);
    expect(cache.take('young')?.sealed).to.equal('sealed-young');
    expect(cache.take('new')?.sealed).to.equal('sealed-new');
  });

  it('with room – keeps an idle session until the timer sweeps it, then lets its live state go', async () => {
    const disposed: string[] = [];
    let now = 0;
    // The sweep runs every max(1 s, idle / 2).
    const cache = cacheOf(5, 1_000, () => now);
    cache.put('old', entry('old', disposed));
    now = 1_001;
    cache.put('young', entry('young', disposed));
    // A put with room left walks nothing: the idle entry is still there.
    expect(disposed).to.deep.equal([]);
    expect(cache.size).to.equal(2);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(disposed).to.deep.equal(['old']);
    expect(cache.take('old')).to.equal(undefined);
    expect(cache.take('young')?.sealed).to.equal('sealed-young');
  });

  it('with a bound of 0 – keeps nothing and disposes what it is given', () => {
    const disposed: string[] = [];
    const cache = cacheOf(0);
    cache.put('a', entry('a', disposed));
    expect(disposed).to.deep.equal(['a']);
    expect(cache.take('a')).to.equal(undefined);
  });
});
