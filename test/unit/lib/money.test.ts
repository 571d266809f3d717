import { expect } from 'chai';
import fc from 'fast-check';
import { fenFromJson, formatYuan, parseYuan } from '../../../src/lib/money.js';

describe('money', () => {
  const cases: [string, bigint | null][] = [
    ['12', 1200n],
    ['12.5', 1250n],
    ['12.50', 1250n],
    ['１２.５', 1250n],
    ['０.０１', 1n],
    ['12。5', 1250n],
    [' 7 ', 700n],
    ['0', null],
    ['0.00', null],
    ['12.505', null],
    ['-1', null],
    ['1e3', null],
    ['12.', null],
    ['.5', null],
    ['abc', null],
    ['', null],
  ];
  for (const [text, fen] of cases) {
    it(`parseYuan – "${text}" – gives ${fen}`, () => expect(parseYuan(text)).to.equal(fen));
  }

  it('formatYuan – prints two decimals and keeps the sign', () => {
    expect(formatYuan(1250n)).to.equal('12.50');
    expect(formatYuan(5n)).to.equal('0.05');
    expect(formatYuan(-101n)).to.equal('-1.01');
  });

  it('parseYuan and formatYuan – round-trip every amount exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 99_999_999_999n }), (fen) => parseYuan(formatYuan(fen)) === fen),
    );
  });

  it('fenFromJson – takes safe integers and digit strings, refuses floats and junk', () => {
    expect(fenFromJson(1250)).to.equal(1250n);
    expect(fenFromJson('1250')).to.equal(1250n);
    expect(fenFromJson(12.5)).to.equal(null);
    expect(fenFromJson(2 ** 60)).to.equal(null);
    expect(fenFromJson('12.5')).to.equal(null);
    expect(fenFromJson(null)).to.equal(null);
  });
});
