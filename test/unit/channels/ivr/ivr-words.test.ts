import { expect } from 'chai';
import { amountWords, speech } from '../../../../src/channels/ivr/index.js';
import { loadConfig } from '../../../../src/config/index.js';
import { MAX_VOUCHER_FEN } from '../../../../src/ops/index.js';

describe('IVR amounts in words (nzh for Mandarin, to-words for English)', () => {
  const cases: [string, bigint, string, string][] = [
    ['zero', 0n, '零元', 'zero yuan'],
    ['one fen', 1n, '一分', 'one fen'],
    ['fen only', 50n, '五角', 'fifty fen'],
    ['yuan and jiao', 1250n, '十二元五角', 'twelve yuan fifty'],
    ['yuan and a few fen', 1205n, '十二元零五分', 'twelve yuan five fen'],
    ['whole yuan', 1000n, '十元', 'ten yuan'],
    ['ten thousand yuan', 1_000_000n, '一万元', 'ten thousand yuan'],
    ['tens of thousands with jiao', 2_000_050n, '二万元五角', 'twenty thousand yuan fifty'],
    ['a hundred yuan and one fen', 10_001n, '一百元零一分', 'one hundred yuan one fen'],
    [
      'the largest amount typed (9 digits of yuan)',
      99_999_999_999n,
      '九亿九千九百九十九万九千九百九十九元九角九分',
      'nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine yuan ninety nine',
    ],
  ];
  for (const [name, fen, zh, en] of cases) {
    it(`${name} – ${fen} fen is ${zh} / ${en}`, () => {
      expect(amountWords(fen, 'zh-CN')).to.equal(zh);
      expect(amountWords(fen, 'en')).to.equal(en);
    });
  }

  it('the largest payment allowed (LIMIT_PER_PAYMENT) and the largest voucher (MAX_VOUCHER_FEN)', () => {
    const limit = loadConfig({}).limitPerPayment;
    expect(limit).to.equal(50_000n);
    expect(amountWords(limit, 'zh-CN')).to.equal('五百元');
    expect(amountWords(limit, 'en')).to.equal('five hundred yuan');
    expect(amountWords(BigInt(MAX_VOUCHER_FEN), 'zh-CN')).to.equal('一千元');
    expect(amountWords(BigInt(MAX_VOUCHER_FEN), 'en')).to.equal('one thousand yuan');
  });

  it('a negative amount – refused: the sign is said by the sentence, not the words', () => {
    expect(() => amountWords(-1n, 'en')).to.throw(RangeError);
  });
});

describe('IVR speech', () => {
  it('a Chinese menu – one sentence an option, its English option in English', () => {
    expect(
      speech({
        kind: 'menu',
        title: '我的账户',
        options: [
          { id: '1', label: '修改支付密码' },
          { id: '5', label: 'English' },
        ],
      }),
    ).to.deep.equal([
      { locale: 'zh-CN', text: '我的账户。修改支付密码请按1。' },
      { locale: 'en', text: 'For English, press 5.' },
    ]);
  });

  it('a statement line – the date, in or out, the amount in words, the last four digits', () => {
    expect(speech({ kind: 'message', text: '最近交易:\n03-07 -¥12.50 *9000', final: true })).to.deep.equal([
      { locale: 'zh-CN', text: '最近交易:3月7日,支出十二元五角,尾号9000。' },
    ]);
  });

  it('an amount prompt – ended by #, and * for the decimal point', () => {
    expect(
      speech({
        kind: 'prompt',
        text: 'Send to 13900139000. Enter the amount in yuan:',
        input: { minLength: 1, maxLength: 12, digitsOnly: false, hidden: false, decimal: true },
      }),
    ).to.deep.equal([
      {
        locale: 'en',
        text: 'Send to 1 3 9 0 0 1 3 9 0 0 0. Enter the amount in yuan, then press the pound key. For a decimal point, press star.',
      },
    ]);
  });
});
