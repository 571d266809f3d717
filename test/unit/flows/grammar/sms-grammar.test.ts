import { expect } from 'chai';
import fc from 'fast-check';
import {
  type CommandKind,
  helpText,
  invalidReply,
  MAX_SMS_TEXT,
  parseSms,
  problemText,
  SMS_KEYWORDS,
  type SmsIntent,
  type SmsKeyword,
  type SmsProblem,
  usage,
} from '../../../../flows/grammar/index.js';
import { formatYuan } from '../../../../src/lib/money.js';

const KINDS = [
  'open',
  'confirm',
  'cancel',
  'balance',
  'statement',
  'topup',
  'pay',
  'transfer',
  'changePin',
  'freeze',
  'unfreeze',
  'close',
  'help',
  'pin',
  'payRequest',
  'declineRequest',
  'invalid',
  'unknown',
];
const COMMANDS: CommandKind[] = [
  'open',
  'confirm',
  'cancel',
  'balance',
  'statement',
  'topup',
  'pay',
  'transfer',
  'changePin',
  'freeze',
  'unfreeze',
  'close',
  'help',
  'pin',
  'payRequest',
  'declineRequest',
];
const PROBLEMS: SmsProblem[] = [
  'missing_argument',
  'extra_arguments',
  'bad_amount',
  'bad_msisdn',
  'bad_pin',
  'same_pin',
  'bad_days',
  'bad_merchant',
  'bad_card',
  'bad_card_pin',
  'bad_request',
];

/**
 * The usage lines, written out: what the user is told, not what the grammar happens to hold (issue 17).
 * A change of wording shows here as a change of the expected text.
 */
const USAGE_LINES: Record<CommandKind, { 'zh-CN': string; en: string }> = {
  open: {
    'zh-CN': '开通钱包:发送KT,再按提示回复A确认',
    en: 'To open a wallet: send KT, then reply A to confirm',
  },
  confirm: { 'zh-CN': '确认请回复A', en: 'To confirm, reply A' },
  cancel: {
    'zh-CN': '取消请回复QX,取消某笔支付请求请回复QX 编号,如 QX 2',
    en: 'To cancel, reply QX; to decline payment request n, QX n, e.g. QX 2',
  },
  balance: { 'zh-CN': '查询余额:发送YE', en: 'Balance: send YE' },
  statement: { 'zh-CN': '查询最近5笔明细:发送MX', en: 'Last 5 transactions: send MX' },
  topup: {
    'zh-CN': '充值格式:CZ 卡号 卡密,如 CZ 8600123456789012 481516',
    en: 'Top up: CZ card-number card-PIN, e.g. CZ 8600123456789012 481516',
  },
  pay: {
    'zh-CN': '支付格式:ZF 商户号 金额,如 ZF 2001 12.50',
    en: 'Pay: ZF merchant amount, e.g. ZF 2001 12.50',
  },
  transfer: {
    'zh-CN': '转账格式:ZZ 手机号 金额,如 ZZ 13900139000 5',
    en: 'Transfer: ZZ mobile amount, e.g. ZZ 13900139000 5',
  },
  changePin: {
    'zh-CN': '改密格式:GM 旧密码 新密码(6位数字),如 GM 123456 654321',
    en: 'Change PIN: GM old-PIN new-PIN (6 digits), e.g. GM 123456 654321',
  },
  freeze: {
    'zh-CN': '冻结格式:DJ [天数],天数1-365可不填,如 DJ 7',
    en: 'Freeze: DJ, or DJ days (1-365) to unfreeze after them, e.g. DJ 7',
  },
  unfreeze: { 'zh-CN': '解冻格式:JD 支付密码,如 JD 654321', en: 'Unfreeze: JD PIN, e.g. JD 654321' },
  close: {
    'zh-CN': '销户:发送XH,再按提示回复A确认(余额须为0)',
    en: 'Close the wallet: send XH, then reply A to confirm (the balance must be 0)',
  },
  help: { 'zh-CN': '帮助:发送BZ或?', en: 'Help: send BZ or ?' },
  pin: { 'zh-CN': '请回复6位数字支付密码', en: 'Reply with your 6-digit payment PIN' },
  payRequest: {
    'zh-CN': '确认支付请求:回复 编号 支付密码,如 2 135790',
    en: 'To pay request n: reply n and your 6-digit PIN, e.g. 2 135790',
  },
  declineRequest: {
    'zh-CN': '取消支付请求:回复QX 编号,如 QX 2',
    en: 'To decline request n: reply QX n, e.g. QX 2',
  },
};

/** The problem texts, written out like the usage lines. */
const PROBLEM_TEXTS: Record<SmsProblem, { 'zh-CN': string; en: string }> = {
  missing_argument: { 'zh-CN': '缺少参数', en: 'Something is missing' },
  extra_arguments: { 'zh-CN': '参数过多', en: 'Too many words' },
  bad_amount: {
    'zh-CN': '金额有误,须大于0且最多两位小数',
    en: 'Bad amount: more than 0, at most 2 decimals',
  },
  bad_msisdn: { 'zh-CN': '手机号有误', en: 'Bad mobile number' },
  bad_pin: { 'zh-CN': '密码须为6位数字', en: 'The PIN has 6 digits' },
  same_pin: { 'zh-CN': '新密码不能与旧密码相同', en: 'The new PIN must differ from the old one' },
  bad_days: { 'zh-CN': '天数须为1-365', en: 'Days must be 1-365' },
  bad_merchant: { 'zh-CN': '商户号有误', en: 'Bad merchant code' },
  bad_card: { 'zh-CN': '卡号须为8-20位数字', en: 'The card number has 8-20 digits' },
  bad_card_pin: { 'zh-CN': '卡密须为4-12位数字', en: 'The card PIN has 4-12 digits' },
  bad_request: { 'zh-CN': '请求编号有误', en: 'Bad request number' },
};

/** The canonical letters of each keyword (INTERFACES §3), whichever form the user wrote. */
const LETTERS: Record<SmsKeyword['kind'], string> = {
  open: 'KT',
  confirm: 'A',
  cancel: 'QX',
  balance: 'YE',
  statement: 'MX',
  topup: 'CZ',
  pay: 'ZF',
  transfer: 'ZZ',
  changePin: 'GM',
  freeze: 'DJ',
  unfreeze: 'JD',
  close: 'XH',
  help: 'BZ',
};

/** ASCII → full-width (letters, digits, punctuation), spaces → U+3000: what a Chinese IME in full-width mode types. */
const fullWidth = (s: string) =>
  s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');

/** The GSM 03.38 basic character set (the extension table counts 2 and is avoided altogether). */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

describe('sms grammar', () => {
  describe('keywords in every form', () => {
    // [letters, Chinese, arguments (ASCII), expected]
    const keywords: [string, string, string, SmsIntent][] = [
      ['KT', '开通', '', { kind: 'open' }],
      ['A', '确认', '', { kind: 'confirm' }],
      ['QX', '取消', '', { kind: 'cancel' }],
      ['QX', '取消', '2', { kind: 'declineRequest', request: 2 }],
      ['YE', '余额', '', { kind: 'balance' }],
      ['MX', '明细', '', { kind: 'statement' }],
      [
        'CZ',
        '充值',
        '8600123456789012 481516',
        { kind: 'topup', serial: '8600123456789012', cardPin: '481516' },
      ],
      ['ZF', '支付', '2001 12.50', { kind: 'pay', merchant: '2001', amount: 1250n }],
      ['ZZ', '转账', '13900139000 5', { kind: 'transfer', to: '8613900139000', amount: 500n }],
      ['GM', '改密', '123456 654321', { kind: 'changePin', oldPin: '123456', newPin: '654321' }],
      ['DJ', '冻结', '', { kind: 'freeze' }],
      ['DJ', '冻结', '7', { kind: 'freeze', days: 7 }],
      ['JD', '解冻', '654321', { kind: 'unfreeze', pin: '654321' }],
      ['XH', '销户', '', { kind: 'close' }],
      ['BZ', '帮助', '', { kind: 'help' }],
    ];
    for (const [letters, word, args, expected] of keywords) {
      const tail = args ? ` ${args}` : '';
      const forms: [string, string][] = [
        ['ASCII upper case', `${letters}${tail}`],
        ['ASCII lower case', `${letters.toLowerCase()}${tail}`],
        ['mixed case', `${letters[0]}${letters.slice(1).toLowerCase()}${tail}`],
        ['full-width', fullWidth(`${letters}${tail}`)],
        ['full-width lower case', fullWidth(`${letters.toLowerCase()}${tail}`)],
        ['Chinese with a space', `${word}${tail}`],
        ['Chinese without a space', `${word}${args}`],
        ['Chinese, full-width arguments', `${word}${fullWidth(tail)}`],
      ];
      // A full stop after a whole-yuan amount (`ZZ … 5。`) could be a decimal point typed too early: refused, below.
      const endsInWholeYuan = expected.kind === 'transfer';
      if (!endsInWholeYuan) {
        forms.push(['padded and ending in 。', `  ${letters}${tail}。 `], ['ending in .', `${word}${tail}.`]);
      }
      for (const [form, text] of forms) {
        it(`when ${letters} is sent ${form} (${JSON.stringify(text)}) – then it is ${expected.kind}`, () => {
          expect(parseSms(text)).to.deep.equal(expected);
        });
      }
    }

    it('when ? or ？ or HELP is sent – then it is help', () => {
      for (const text of ['?', '？', ' ? ', '??', 'HELP', 'help', 'Help', '帮助?']) {
        expect(parseSms(text), text).to.deep.equal({ kind: 'help' });
      }
    });

    it('when help has words after it – then it is still help (help never refuses)', () => {
      expect(parseSms('BZ ZF')).to.deep.equal({ kind: 'help' });
      expect(parseSms('help me')).to.deep.equal({ kind: 'help' });
    });

    it('when 转帐 or 改密码 (the other spellings) are sent – then they are transfer and changePin', () => {
      expect(parseSms('转帐13900139000 5')).to.deep.equal({
        kind: 'transfer',
        to: '8613900139000',
        amount: 500n,
      });
      expect(parseSms('改密码 123456 654321')).to.deep.equal({
        kind: 'changePin',
        oldPin: '123456',
        newPin: '654321',
      });
    });

    it('when the letter keyword is glued to a digit argument – then the arguments are still read', () => {
      expect(parseSms('ZF2001 12.5')).to.deep.equal({ kind: 'pay', merchant: '2001', amount: 1250n });
      expect(parseSms('JD654321')).to.deep.equal({ kind: 'unfreeze', pin: '654321' });
      expect(parseSms('dj7')).to.deep.equal({ kind: 'freeze', days: 7 });
    });

    it('when a read-only keyword ends in ? – then it is read; when A ends in ? – then it is not a confirmation', () => {
      expect(parseSms('余额？')).to.deep.equal({ kind: 'balance' });
      expect(parseSms('MX?')).to.deep.equal({ kind: 'statement' });
      expect(parseSms('A?')).to.include({ kind: 'invalid', command: 'confirm', problem: 'extra_arguments' });
      expect(parseSms('确认?')).to.include({ kind: 'invalid', command: 'confirm' });
    });

    it('when Y, YES, OK, 是, N or 否 is sent – then it is unknown (only A confirms and only QX cancels)', () => {
      for (const text of ['Y', 'YES', 'OK', '是', 'N', '否', 'AA', 'KTX']) {
        expect(parseSms(text).kind, text).to.equal('unknown');
      }
    });
  });

  describe('separators and noise', () => {
    const pay = { kind: 'pay', merchant: '2001', amount: 1250n };
    const texts = [
      'ZF 2001 12.5',
      'ZF\u30002001\u300012.5',
      'ZF\t2001\n12.5',
      'ZF   2001    12.5',
      'ZF,2001,12.5',
      'ZF，2001，12.5',
      'ZF#2001#12.5#',
      'ZF*2001*12.5',
      '*ZF*2001*12.5#',
      'ZF；2001；12.5',
      '支付、2001、12.5',
      'ZF 2001 12.5元',
      'ZF 2001 ¥12.5',
      'ZF 2001 ￥12.50',
      'ZF 2001 12。5',
      'ZF 2001 12.5。',
      'ZF 2001 12.50.',
      '\u00a0ZF\u00a02001\u00a012.5\u00a0',
      'Z\u200bF 2001 12.5',
      '\u0000ZF 2001 12.5\u0000',
      '\uFEFFZF 2001 12.5',
    ];
    for (const text of texts) {
      it(`when ${JSON.stringify(text)} is sent – then it is a payment of 12.50 to 2001`, () => {
        expect(parseSms(text)).to.deep.equal(pay);
      });
    }

    it('when 元 ends an amount followed by 。 – then the 。 is punctuation', () => {
      expect(parseSms('ZF 2001 12元。')).to.deep.equal({ kind: 'pay', merchant: '2001', amount: 1200n });
    });

    it('when the MSISDN is written +86, 0086, 86 or with hyphens – then `to` is canonical', () => {
      for (const to of ['+8613900139000', '008613900139000', '8613900139000', '139-0013-9000']) {
        expect(parseSms(`ZZ ${to} 5`), to).to.deep.equal({
          kind: 'transfer',
          to: '8613900139000',
          amount: 500n,
        });
      }
    });

    it('when a merchant code has letters, _ and - – then it is kept as typed', () => {
      expect(parseSms('zf Shop_01-a 1')).to.deep.equal({ kind: 'pay', merchant: 'Shop_01-a', amount: 100n });
      expect(parseSms(`ZF ${'m'.repeat(32)} 1`)).to.include({ kind: 'pay' });
    });

    it('when DJ has 天 after the days, or the days are 1 or 365 – then they are read', () => {
      expect(parseSms('冻结7天')).to.deep.equal({ kind: 'freeze', days: 7 });
      expect(parseSms('DJ 1')).to.deep.equal({ kind: 'freeze', days: 1 });
      expect(parseSms('DJ 365')).to.deep.equal({ kind: 'freeze', days: 365 });
    });

    it('when a card serial has 8 or 20 digits and the card PIN 4 or 12 – then they are read', () => {
      expect(parseSms('CZ 12345678 1234')).to.deep.equal({
        kind: 'topup',
        serial: '12345678',
        cardPin: '1234',
      });
      expect(parseSms(`CZ ${'1'.repeat(20)} ${'2'.repeat(12)}`)).to.deep.equal({
        kind: 'topup',
        serial: '1'.repeat(20),
        cardPin: '2'.repeat(12),
      });
    });
  });

  describe('the bare PIN', () => {
    it('when six digits are sent, in ASCII or full-width, padded or with a full stop – then it is a pin', () => {
      for (const text of ['123456', '１２３４５６', ' 123456 ', '123456。', '123456.', '\u3000123456#']) {
        expect(parseSms(text), text).to.deep.equal({ kind: 'pin', pin: '123456' });
      }
      expect(parseSms('012345')).to.deep.equal({ kind: 'pin', pin: '012345' });
    });

    it('when 4, 5, 7 or 8 digits are sent – then it is an invalid pin with the PIN usage', () => {
      for (const text of ['1234', '12345', '1234567', '12345678']) {
        expect(parseSms(text), text).to.deep.equal({
          kind: 'invalid',
          command: 'pin',
          keyword: '',
          problem: 'bad_pin',
          argument: 'pin',
          usage: '请回复6位数字支付密码',
        });
      }
    });

    it('when a 1–2 digit request number and six digits are sent, in ASCII or full-width – then it pays that request', () => {
      const cases: [string, number][] = [
        ['2 135790', 2],
        ['２　１３５７９０', 2],
        ['２ １３５７９０', 2],
        [' 1 135790。', 1],
        ['3#135790#', 3],
        ['2，135790', 2],
        ['12 135790', 12],
        ['02 135790', 2],
      ];
      for (const [text, request] of cases) {
        expect(parseSms(text), text).to.deep.equal({ kind: 'payRequest', request, pin: '135790' });
      }
    });

    it('when the request number is 0 or the PIN after it has 4, 5, 7 or 8 digits – then it is an invalid payRequest', () => {
      const cases: [string, SmsProblem, string][] = [
        ['0 135790', 'bad_request', 'request'],
        ['2 13579', 'bad_pin', 'pin'],
        ['２ １３５７９０１', 'bad_pin', 'pin'],
      ];
      for (const [text, problem, argument] of cases) {
        expect(parseSms(text, { locale: 'en' }), text).to.deep.equal({
          kind: 'invalid',
          command: 'payRequest',
          keyword: '',
          problem,
          argument,
          usage: 'To pay request n: reply n and your 6-digit PIN, e.g. 2 135790',
        });
      }
    });

    it('when other numbers are sent (short, a phone number, split, signed) – then they are unknown', () => {
      for (const text of [
        '1',
        '123',
        '13900139000',
        '123 456',
        '+123456',
        '12345.6',
        '١٢٣٤٥٦',
        '123 135790',
        '2 135790 1',
        '2 1',
        '2. 135790',
      ]) {
        expect(parseSms(text).kind, text).to.equal('unknown');
      }
    });
  });

  describe('argument errors', () => {
    // [text, command, problem, argument]
    const errors: [string, SmsKeyword['kind'], SmsProblem, string | undefined][] = [
      ['KT 1', 'open', 'extra_arguments', undefined],
      ['A 好的', 'confirm', 'extra_arguments', undefined],
      ['A1', 'confirm', 'extra_arguments', undefined],
      ['QX 0', 'cancel', 'bad_request', 'request'],
      ['QX 100', 'cancel', 'bad_request', 'request'],
      ['QX 好的', 'cancel', 'bad_request', 'request'],
      ['QX 1 2', 'cancel', 'extra_arguments', undefined],
      ['余额多少', 'balance', 'extra_arguments', undefined],
      ['YE 13900139000', 'balance', 'extra_arguments', undefined],
      ['MX 10', 'statement', 'extra_arguments', undefined],
      ['XH 123456', 'close', 'extra_arguments', undefined],
      ['CZ', 'topup', 'missing_argument', 'serial'],
      ['CZ 8600123456789012', 'topup', 'missing_argument', 'cardPin'],
      ['CZ 1234567 481516', 'topup', 'bad_card', 'serial'],
      [`CZ ${'1'.repeat(21)} 481516`, 'topup', 'bad_card', 'serial'],
      ['CZ 86001234abcd 481516', 'topup', 'bad_card', 'serial'],
      ['CZ 8600123456789012 123', 'topup', 'bad_card_pin', 'cardPin'],
      [`CZ 8600123456789012 ${'1'.repeat(13)}`, 'topup', 'bad_card_pin', 'cardPin'],
      ['CZ 8600123456789012 481516 1', 'topup', 'extra_arguments', undefined],
      ['ZF', 'pay', 'missing_argument', 'merchant'],
      ['支付', 'pay', 'missing_argument', 'merchant'],
      ['ZF 2001', 'pay', 'missing_argument', 'amount'],
      ['ZF 2001 0', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 0.00', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 -5', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 12.505', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 1e3', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 12.', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 12。', 'pay', 'bad_amount', 'amount'],
      ['ZZ 13900139000 5。', 'transfer', 'bad_amount', 'amount'],
      ['转账 13900139000 5.', 'transfer', 'bad_amount', 'amount'],
      ['ZF 2001 .5', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 abc', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 Infinity', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 1234567890', 'pay', 'bad_amount', 'amount'],
      ['ZF 2001 1,000', 'pay', 'extra_arguments', undefined],
      ['ZF 2001 12 5', 'pay', 'extra_arguments', undefined],
      ['ZF 2001 12.5 123456', 'pay', 'extra_arguments', undefined],
      ['ZF 商户 12', 'pay', 'bad_merchant', 'merchant'],
      ['ZF shop! 12', 'pay', 'bad_merchant', 'merchant'],
      [`ZF ${'m'.repeat(33)} 12`, 'pay', 'bad_merchant', 'merchant'],
      ['ZZ', 'transfer', 'missing_argument', 'to'],
      ['ZZ 13900139000', 'transfer', 'missing_argument', 'amount'],
      ['ZZ 12900139000 5', 'transfer', 'bad_msisdn', 'to'],
      ['ZZ 1390013900 5', 'transfer', 'bad_msisdn', 'to'],
      ['ZZ +4412345678901 5', 'transfer', 'bad_msisdn', 'to'],
      ['ZZ 13900139000 0', 'transfer', 'bad_amount', 'amount'],
      ['ZZ 13900139000 5.555', 'transfer', 'bad_amount', 'amount'],
      ['ZZ 139 0013 9000 5', 'transfer', 'bad_msisdn', 'to'],
      ['ZZ 13900139000 5 6', 'transfer', 'extra_arguments', undefined],
      ['GM', 'changePin', 'missing_argument', 'oldPin'],
      ['GM 123456', 'changePin', 'missing_argument', 'newPin'],
      ['GM 12345 654321', 'changePin', 'bad_pin', 'oldPin'],
      ['GM 123456 6543210', 'changePin', 'bad_pin', 'newPin'],
      ['GM 123456 65432a', 'changePin', 'bad_pin', 'newPin'],
      ['GM 123456 123456', 'changePin', 'same_pin', 'newPin'],
      ['GM 123456 654321 654321', 'changePin', 'extra_arguments', undefined],
      ['DJ 0', 'freeze', 'bad_days', 'days'],
      ['DJ 366', 'freeze', 'bad_days', 'days'],
      ['DJ 1000', 'freeze', 'bad_days', 'days'],
      ['DJ -1', 'freeze', 'bad_days', 'days'],
      ['DJ 1.5', 'freeze', 'bad_days', 'days'],
      ['DJ abc', 'freeze', 'bad_days', 'days'],
      ['DJ 7 8', 'freeze', 'extra_arguments', undefined],
      ['JD', 'unfreeze', 'missing_argument', 'pin'],
      ['解冻', 'unfreeze', 'missing_argument', 'pin'],
      ['JD 12345', 'unfreeze', 'bad_pin', 'pin'],
      ['JD 1234567', 'unfreeze', 'bad_pin', 'pin'],
      ['JD ١٢٣٤٥٦', 'unfreeze', 'bad_pin', 'pin'],
      ['JD 654321 1', 'unfreeze', 'extra_arguments', undefined],
    ];
    for (const [text, command, problem, argument] of errors) {
      it(`when ${JSON.stringify(text)} is sent – then it is invalid ${command}: ${problem}`, () => {
        const intent = parseSms(text);
        const expected: Record<string, unknown> = {
          kind: 'invalid',
          command,
          keyword: LETTERS[command],
          problem,
          usage: USAGE_LINES[command]['zh-CN'],
        };
        if (argument !== undefined) expected.argument = argument;
        expect(intent).to.deep.equal(expected);
      });
    }

    it('when the locale en is asked for – then the usage of an invalid intent is English', () => {
      expect(parseSms('ZF 2001 12.505', { locale: 'en' })).to.deep.equal({
        kind: 'invalid',
        command: 'pay',
        keyword: 'ZF',
        problem: 'bad_amount',
        argument: 'amount',
        usage: 'Pay: ZF merchant amount, e.g. ZF 2001 12.50',
      });
    });

    it('when the Chinese keyword was used – then keyword is still the letters', () => {
      expect(parseSms('转账 123 5')).to.include({ keyword: 'ZZ', problem: 'bad_msisdn' });
    });
  });

  describe('anything else', () => {
    it('when the text is empty, blank, a sentence, emoji or symbols – then it is unknown with the text trimmed', () => {
      for (const text of ['', '   ', '\u3000', '你好', 'hello there', '😀', '#', '...', '。', '+', '-12']) {
        expect(parseSms(text), JSON.stringify(text)).to.deep.equal({ kind: 'unknown', text: text.trim() });
      }
    });

    it('when the text is longer than MAX_SMS_TEXT – then it is unknown without being read, and text is capped', () => {
      const huge = `YE${' '.repeat(MAX_SMS_TEXT)}`;
      const intent = parseSms(huge);
      expect(intent.kind).to.equal('unknown');
      expect(intent.kind === 'unknown' && intent.text.length).to.equal(MAX_SMS_TEXT);
      const surrogates = parseSms('😀'.repeat(MAX_SMS_TEXT));
      expect(surrogates.kind === 'unknown' && surrogates.text.length).to.equal(MAX_SMS_TEXT);
      const odd = parseSms(`x${'😀'.repeat(MAX_SMS_TEXT)}`);
      expect(odd.kind === 'unknown' && odd.text.length).to.equal(MAX_SMS_TEXT - 1);
      expect(parseSms('x'.repeat(10_000_000)).kind).to.equal('unknown');
    });

    it('when a lone surrogate or control characters come with a keyword – then nothing throws', () => {
      expect(parseSms('YE\ud800').kind).to.equal('invalid');
      expect(parseSms('\udc00YE').kind).to.equal('unknown');
      expect(parseSms('ZF 2001 \ud83d').kind).to.equal('invalid');
      expect(parseSms('\u0007\u001b[0m').kind).to.equal('unknown');
    });

    it('when it is called from JavaScript with something that is not a string – then it is unknown', () => {
      for (const value of [undefined, null, 42, {}, Symbol('x'), { toString: () => 'YE' }]) {
        expect(parseSms(value as unknown as string)).to.deep.equal({ kind: 'unknown', text: '' });
      }
    });
  });

  describe('properties', () => {
    const keywordish = fc.constantFrom(
      ...SMS_KEYWORDS.flatMap((k) => [k.keyword, k.keyword.toLowerCase(), fullWidth(k.keyword), ...k.words]),
      '?',
      '？',
    );
    const piece = fc.oneof(
      keywordish,
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        ' ',
        '\u3000',
        ',',
        '，',
        '#',
        '*',
        '.',
        '。',
        '¥',
        '元',
        '天',
        '\u0000',
        '\ud800',
        '\udfff',
      ),
      fc.stringMatching(/^[0-9.\-+e]{0,14}$/),
      fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).map(String),
    );
    const messages = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));

    it('when any text is parsed – then it never throws and the result is one of the kinds', () => {
      fc.assert(
        fc.property(messages, (text) => {
          const intent = parseSms(text);
          expect(KINDS).to.include(intent.kind);
          if (intent.kind === 'invalid') {
            expect(PROBLEMS).to.include(intent.problem);
            expect(intent.usage).to.equal(USAGE_LINES[intent.command]['zh-CN']);
          }
          if (intent.kind === 'pay' || intent.kind === 'transfer') expect(intent.amount > 0n).to.equal(true);
          if (intent.kind === 'transfer') expect(intent.to).to.match(/^861[3-9]\d{9}$/);
          if (intent.kind === 'pin' || intent.kind === 'unfreeze' || intent.kind === 'payRequest')
            expect(intent.pin).to.match(/^\d{6}$/);
          if (intent.kind === 'payRequest' || intent.kind === 'declineRequest')
            expect(intent.request).to.be.within(1, 99);
        }),
        { numRuns: 5000 },
      );
    });

    it('when any full Unicode string up to 2,000 code units is parsed – then it never throws', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
          expect(KINDS).to.include(parseSms(text).kind);
        }),
        { numRuns: 500 },
      );
    });

    it('when any fen 1..10^9 is formatted as yuan after ZF 2001 – then pay gives that fen back', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: 1_000_000_000n }), (fen) => {
          expect(parseSms('ZF 2001 ' + formatYuan(fen))).to.deep.equal({
            kind: 'pay',
            merchant: '2001',
            amount: fen,
          });
        }),
        { numRuns: 2000 },
      );
    });

    it('when any fen is sent full-width to 支付 without a space – then the same fen comes back', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: 1_000_000_000n }), (fen) => {
          const intent = parseSms('支付' + fullWidth(`2001 ${formatYuan(fen)}`));
          expect(intent).to.deep.equal({ kind: 'pay', merchant: '2001', amount: fen });
        }),
      );
    });

    it('when a valid command is written with any case, width and separators – then it parses to that command', () => {
      const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
      const pin = digits(6, 6);
      const yuan = fc.bigInt({ min: 1n, max: 999_999_999n });
      const mobile = fc.tuple(fc.constantFrom('', '86', '+86', '0086'), fc.stringMatching(/^1[3-9]\d{9}$/));
      // [keyword letters, Chinese word, argument tokens, expected]
      const command = fc.oneof(
        fc
          .tuple(digits(8, 20), digits(4, 12))
          .map(
            ([serial, cardPin]) =>
              ['CZ', '充值', [serial, cardPin], { kind: 'topup', serial, cardPin }] as const,
          ),
        fc
          .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/), yuan)
          .map(
            ([merchant, fen]) =>
              ['ZF', '支付', [merchant, formatYuan(fen)], { kind: 'pay', merchant, amount: fen }] as const,
          ),
        fc
          .tuple(mobile, yuan)
          .map(
            ([[prefix, national], fen]) =>
              [
                'ZZ',
                '转账',
                [prefix + national, formatYuan(fen)],
                { kind: 'transfer', to: `86${national}`, amount: fen },
              ] as const,
          ),
        fc
          .tuple(pin, pin)
          .filter(([a, b]) => a !== b)
          .map(
            ([oldPin, newPin]) =>
              ['GM', '改密', [oldPin, newPin], { kind: 'changePin', oldPin, newPin }] as const,
          ),
        fc
          .integer({ min: 1, max: 365 })
          .map((days) => ['DJ', '冻结', [String(days)], { kind: 'freeze', days }] as const),
        pin.map((p) => ['JD', '解冻', [p], { kind: 'unfreeze', pin: p }] as const),
      );
      const separator = fc
        .array(fc.constantFrom(' ', '\u3000', '\t', ',', '，', '#', '*', '、'), {
          minLength: 1,
          maxLength: 3,
        })
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(
          command,
          fc.boolean(),
          fc.boolean(),
          fc.boolean(),
          fc.array(separator, { minLength: 3, maxLength: 3 }),
          ([letters, word, args, expected], chinese, lower, wide, [afterKeyword, between, end]) => {
            const keyword = chinese ? word : lower ? letters.toLowerCase() : letters;
            const body = `${keyword}${chinese ? '' : afterKeyword}${args.join(between)}${end}`;
            const text = wide ? fullWidth(body) : body;
            expect(parseSms(text), JSON.stringify(text)).to.deep.equal(expected);
          },
        ),
        { numRuns: 2000 },
      );
    });
  });

  describe('usage and help texts', () => {
    for (const kind of COMMANDS) {
      for (const locale of ['zh-CN', 'en'] as const) {
        const line = USAGE_LINES[kind][locale];
        it(`when the ${kind} usage is asked for in ${locale} – then it is ${JSON.stringify(line)}`, () => {
          expect(usage(kind, locale)).to.equal(line);
        });
      }
    }

    for (const problem of PROBLEMS) {
      for (const locale of ['zh-CN', 'en'] as const) {
        const said = PROBLEM_TEXTS[problem][locale];
        it(`when ${problem} is told in ${locale} – then it is ${JSON.stringify(said)}`, () => {
          expect(problemText(problem, locale)).to.equal(said);
        });
      }
    }

    it('when a usage line shows an example – then the example parses to that command', () => {
      const kinds = [
        'topup',
        'pay',
        'transfer',
        'changePin',
        'freeze',
        'unfreeze',
        'payRequest',
        'declineRequest',
      ] as const;
      for (const kind of kinds) {
        for (const locale of ['zh-CN', 'en'] as const) {
          const example = /(?:如|e\.g\.) (.+)$/.exec(usage(kind, locale))?.[1];
          expect(example, `${kind} ${locale}`).to.be.a('string');
          expect(parseSms(example as string).kind, `${kind} ${locale}: ${example}`).to.equal(kind);
        }
      }
    });

    it('when the zh-CN help is sent – then it fits two concatenated UCS2 SMS (134 characters)', () => {
      expect(helpText('zh-CN').length).to.be.at.most(134);
    });

    it('when the en help is sent – then it is plain GSM 7-bit and fits two concatenated SMS (306)', () => {
      const text = helpText('en');
      expect(text.length).to.be.at.most(306);
      for (const c of text) expect(GSM_BASIC, `character ${JSON.stringify(c)}`).to.include(c);
    });

    it('when the help text is read – then it names every keyword', () => {
      for (const locale of ['zh-CN', 'en'] as const) {
        for (const k of SMS_KEYWORDS)
          expect(helpText(locale), `${k.keyword} ${locale}`).to.include(k.keyword);
      }
    });

    it('when an invalid intent is answered – then the reply fits one SMS (70 UCS2 / 160 GSM) in each locale', () => {
      for (const command of COMMANDS) {
        for (const problem of PROBLEMS) {
          const intent = { kind: 'invalid', command, keyword: '', problem, usage: '' } as const;
          expect(invalidReply(intent, 'zh-CN').length, `${command} ${problem}`).to.be.at.most(70);
          expect(invalidReply(intent, 'en').length, `${command} ${problem}`).to.be.at.most(160);
        }
      }
    });

    it('when ZF 2001 0 is answered – then the reply is the problem, then the usage line, in each locale', () => {
      expect(invalidReply(parseSms('ZF 2001 0') as never, 'zh-CN')).to.equal(
        '金额有误,须大于0且最多两位小数。支付格式:ZF 商户号 金额,如 ZF 2001 12.50',
      );
      expect(invalidReply(parseSms('ZF 2001 0', { locale: 'en' }) as never, 'en')).to.equal(
        'Bad amount: more than 0, at most 2 decimals. Pay: ZF merchant amount, e.g. ZF 2001 12.50',
      );
    });
  });
});
