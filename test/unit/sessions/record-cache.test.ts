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
  it('over its bound – drops the least recently put session and disposes what it kept live', () => {
    const disposed: string[] = [];
    const cache = createRecordCache(2);
    cache.put('a', entry('a', disposed));
    cache.put('b', entry('b', disposed));
    cache.put('c', entry('c', disposed));
    expect(disposed).to.deep.equal(['a']);
    expect(cache.take('a')).to.equal(undefined);
    expect(cache.take('b')?.sealed).to.equal('sealed-b');
  });

  it('a session taken out and put back – counts as the most recent, so the other one goes first', () => {
    const disposed: string[] = [];
    const cache = createRecordCache(2);
    cache.put('a', entry('a', disposed));
    cache.put('b', entry('b', disposed));
    cache.put('a', cache.take('a')!);
    cache.put('c', entry('c', disposed));
    expect(disposed).to.deep.equal(['b']);
  });

  it('a session put again while it is held – disposes the state it replaces', () => {
    const disposed: string[] = [];
    const cache = createRecordCache(5);
    cache.put('a', entry('a1', disposed));
    cache.put('a', entry('a2', disposed));
    expect(disposed).to.deep.equal(['a1']);
    expect(cache.take('a')?.sealed).to.equal('sealed-a2');
    expect(cache.take('a')).to.equal(undefined);
  });

  it('with a bound of 0 – keeps nothing and disposes what it is given', () => {
    const disposed: string[] = [];
    const cache = createRecordCache(0);
    cache.put('a', entry('a', disposed));
    expect(disposed).to.deep.equal(['a']);
    expect(cache.take('a')).to.equal(undefined);
  });
});
