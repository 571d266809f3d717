import { expect } from 'chai';
import fc from 'fast-check';
import { maskSecrets } from '../../../../flows/grammar/index.js';

/** [what the user sent, what is kept]: every expected value written out by hand. */
type Case = [string, string];

function check(cases: readonly Case[]): void {
  for (const [input, kept] of cases) expect(maskSecrets(input), JSON.stringify(input)).to.equal(kept);
}

describe('maskSecrets (flows/grammar/sms-secrets.ts)', () => {
  it('maskSecrets – when a PIN change is sent – masks both PINs, whatever the spelling', () => {
    check([
      ['GM 302675 739146', 'GM ****** ******'],
      ['gm 302675 739146', 'gm ****** ******'],
      ['Gm302675 739146', 'Gm****** ******'],
      ['改密 302675 739146', '改密 ****** ******'],
      ['改密码302675,739146', '改密码******,******'],
      ['ＧＭ　３０２６７５　７３９１４６', 'ＧＭ　******　******'],
      ['GM 302675 739146 739146', 'GM ****** ****** ******'],
      ['GM 30267 739146', 'GM ***** ******'],
      ['GM 302675 739146。', 'GM ****** ******。'],
      ['GM*302675#739146', 'GM*******#******'],
    ]);
  });

  it('maskSecrets – when an unfreeze is sent – masks the PIN', () => {
    check([
      ['JD 654321', 'JD ******'],
      ['jd654321', 'jd******'],
      ['解冻 654321', '解冻 ******'],
      ['解冻６５４３２１', '解冻******'],
      ['JD 65432l', 'JD *****l'],
    ]);
  });

  it('maskSecrets – when a top-up is sent – keeps the card serial and masks the card PIN', () => {
    check([
      ['CZ 8603722627918576 270443', 'CZ 8603722627918576 ******'],
      ['cz 8603722627918576 2704', 'cz 8603722627918576 ****'],
      ['充值8603722627918576，270443', '充值8603722627918576，******'],
      [
        'ＣＺ　８６０３７２２６２７９１８５７６　２７０４４３',
        'ＣＺ　８６０３７２２６２７９１８５７６　******',
      ],
      ['CZ 8603722627918576', 'CZ 8603722627918576'],
    ]);
  });

  it('maskSecrets – when a PIN is appended to a payment or a transfer – masks it and keeps the rest', () => {
    check([
      ['ZF 2001 12.50', 'ZF 2001 12.50'],
      ['ZF 2001 12.50 135790', 'ZF 2001 12.50 ******'],
      ['支付2001 12.5 135790', '支付2001 12.5 ******'],
      ['ZZ 13900139000 5', 'ZZ 13900139000 5'],
      ['ZZ 13900139000 5 135790', 'ZZ 13900139000 5 ******'],
      ['转账 13900139000 5 １３５７９０', '转账 13900139000 5 ******'],
      ['转帐 13900139000 5 135790', '转帐 13900139000 5 ******'],
    ]);
  });

  it('maskSecrets – when the message is a bare number of 4 to 12 digits – masks it all', () => {
    check([
      ['246813', '******'],
      ['2468', '****'],
      ['24681357', '********'],
      ['246813579024', '************'],
      ['２４６８１３', '******'],
      [' 246813。', ' ******。'],
      ['246', '246'],
      ['2468135790246', '2468135790246'],
    ]);
  });

  it('maskSecrets – when the message is a request number and a PIN – keeps the number and masks the PIN', () => {
    check([
      ['2 246813', '2 ******'],
      ['12,246813', '12,******'],
      ['３　２４６８１３', '３　******'],
      ['123 246813', '123 246813'],
    ]);
  });

  it('maskSecrets – when nothing secret is sent – keeps the text unchanged', () => {
    check([
      ['YE', 'YE'],
      ['余额', '余额'],
      ['DJ 7', 'DJ 7'],
      ['KT', 'KT'],
      ['A', 'A'],
      ['QX 2', 'QX 2'],
      ['BZ 123456', 'BZ 123456'],
      ['hello 123456 world', 'hello 123456 world'],
      ['', ''],
    ]);
  });

  it('maskSecrets – when the text holds zero-width or control characters – masks the digits around them', () => {
    check([
      ['GM 302\u200B675 739146', 'GM ***\u200B*** ******'],
      ['\u0000JD\u0000654321', '\u0000JD\u0000******'],
    ]);
  });

  it('maskSecrets – when applied twice – gives what it gave once, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const once = maskSecrets(text);
        expect(once).to.have.length(text.length);
        expect(maskSecrets(once)).to.equal(once);
      }),
      { numRuns: 500 },
    );
  });
});
