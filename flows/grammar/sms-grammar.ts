/**
 * The SMS keyword grammar (INTERFACES §3): one MO text in, one intent out. Pure: no I/O, no clock, and it
 * never throws, whatever the text (huge, control characters, emoji, lone surrogates, not even a string).
 *
 * What is accepted:
 * - Keywords in letters, any case (`ZF`, `zf`, `Zf`), full-width (`ＺＦ`), or as the Chinese word (`支付`).
 *   The arguments may follow the keyword with or without a space (`支付2001 12.5`, `ZF2001 12.5`).
 * - Arguments separated by any run of whitespace (incl. U+3000 and NBSP) or `,` `，` `#` `*` `;` `；` `、`
 *   (feature-phone keypads put `*` and `#` where a space is hard to type). Separators at either end are ignored.
 * - Full-width letters, digits and punctuation are folded to ASCII first (`toHalfWidth`); zero-width
 *   characters are dropped and control characters count as whitespace (some SMSCs pad with NUL).
 * - A trailing full stop (`.` or `。`) is ignored after the keyword or the last argument, except where it
 *   could be half of an amount: `12.5。` and `12元。` are ¥12.50 and ¥12, but `12.` / `12。` is a bad
 *   amount (the user may have stopped typing before the decimals). After the read-only keywords
 *   (`YE`, `MX`, `BZ`) a trailing `?` / `？` is ignored too (`余额？`); never after `A`, where `A?` is a question.
 * - Amounts through `parseYuan` (> 0, ≤ 2 decimals, no sign or exponent), optionally written `¥12.5`,
 *   `￥12.5` or `12.5元`. PINs are exactly 6 ASCII digits; MSISDNs go through `normalizeMsisdn` and come
 *   out canonical (`86…`); recharge-card serials are 8–20 digits and card PINs 4–12 digits (this
 *   platform issues 16 + 6; the ranges leave room for other issuers without accepting junk); merchant
 *   codes are 1–32 of `[A-Za-z0-9_-]`, kept as typed; freeze days are 1–365 (`DJ 7` or `DJ 7天`).
 * - A bare 6-digit number is a PIN (what the user sends after a payment prompt); a bare number of 4, 5, 7 or
 *   8 digits is `invalid` (`bad_pin`), so the reply can say a PIN has 6 digits.
 * - Two bare numbers, 1–2 digits then 6 (`2 135790`), pay the merchant's payment request of that number
 *   with that PIN (`payRequest`); `QX <n>` declines request n (`declineRequest`), n from 1 to 99. With the
 *   second number 4, 5, 7 or 8 digits long, or a request number 0, it is `invalid` (`bad_pin`,
 *   `bad_request`); other pairs of numbers (`123 456`) are `unknown`.
 * - Aliases beyond the table: `?` / `？` and `HELP` for help, `转帐` for 转账 (the business rules' spelling),
 *   `改密码` for 改密. Deliberately NOT accepted: `Y`, `YES`, `OK`, `是` for `A`, nor `N` / `否` for `QX`:
 *   `A` confirms irreversible things (opening under the agreement, closing the wallet) and every prompt
 *   asks for exactly `A`, so anything else gets the help reply instead of acting.
 * - A known keyword with wrong arguments is `invalid` with the problem and the usage line; a no-argument
 *   keyword followed by anything (`A 好的`, `余额多少`) is `invalid` (`extra_arguments`), never the action —
 *   except help, which ignores what follows it. Extra tokens are never dropped silently
 *   (`ZF 2001 1,000` is `extra_arguments`, not ¥1).
 * - Anything else (and any text over MAX_SMS_TEXT characters) is `unknown`: the caller replies with help.
 */
import { normalizeMsisdn, parseYuan, toHalfWidth } from '../../src/lib/index.js';
import type { Locale } from '../texts/index.js';

export type { Locale };

/** Longer texts are not read at all (a command is a few dozen characters; a concatenated SMS can be 30,000). */
export const MAX_SMS_TEXT = 1000;

export type SmsCommand =
  | { kind: 'open' }
  | { kind: 'confirm' }
  | { kind: 'cancel' }
  | { kind: 'balance' }
  | { kind: 'statement' }
  | { kind: 'topup'; serial: string; cardPin: string }
  | { kind: 'pay'; merchant: string; amount: bigint }
  | { kind: 'transfer'; to: string; amount: bigint }
  | { kind: 'changePin'; oldPin: string; newPin: string }
  | { kind: 'freeze'; days?: number }
  | { kind: 'unfreeze'; pin: string }
  | { kind: 'close' }
  | { kind: 'help' }
  | { kind: 'pin'; pin: string }
  /** `<n> <PIN>`: pay the merchant's payment request number n. */
  | { kind: 'payRequest'; request: number; pin: string }
  /** `QX <n>`: decline the merchant's payment request number n. */
  | { kind: 'declineRequest'; request: number };

/**
 * Every kind that has a usage line: the keywords, plus `pin` (the bare PIN after a prompt) and the answers
 * to a merchant's payment request (`payRequest`, `declineRequest`).
 */
export type CommandKind = SmsCommand['kind'];

export type SmsProblem =
  | 'missing_argument'
  | 'extra_arguments'
  | 'bad_amount'
  | 'bad_msisdn'
  | 'bad_pin'
  | 'same_pin'
  | 'bad_days'
  | 'bad_merchant'
  | 'bad_card'
  | 'bad_card_pin'
  | 'bad_request';

export type SmsArgument =
  | 'serial'
  | 'cardPin'
  | 'merchant'
  | 'amount'
  | 'to'
  | 'oldPin'
  | 'newPin'
  | 'pin'
  | 'days'
  | 'request';

/** A known keyword with wrong arguments. */
export interface SmsInvalid {
  kind: 'invalid';
  /** What the user meant to do. */
  command: CommandKind;
  /** The canonical letters (`ZF` also when the user wrote 支付); '' for a bare number that is not a PIN. */
  keyword: string;
  problem: SmsProblem;
  /** The argument at fault; absent for `extra_arguments`. */
  argument?: SmsArgument;
  /** The usage line of the command in the locale asked for (zh-CN by default). */
  usage: string;
}

/** Not a command: the caller replies with help. `text` is the input trimmed and capped at MAX_SMS_TEXT. */
export interface SmsUnknown {
  kind: 'unknown';
  text: string;
}

export type SmsIntent = SmsCommand | SmsInvalid | SmsUnknown;

export interface ParseOptions {
  /** The locale of `usage` in an `invalid` result. */
  locale?: Locale;
}

/** One row of the keyword table. */
export interface SmsKeyword {
  readonly kind: Exclude<CommandKind, 'pin' | 'payRequest' | 'declineRequest'>;
  /** The canonical letters. */
  readonly keyword: string;
  /** Further letter forms. */
  readonly aliases: readonly string[];
  /** The Chinese words. */
  readonly words: readonly string[];
  /** Read-only: a trailing `?` is punctuation, not an argument. */
  readonly query: boolean;
}

/** The keyword table of INTERFACES §3 (plus the aliases documented above). */
export const SMS_KEYWORDS: readonly SmsKeyword[] = [
  { kind: 'open', keyword: 'KT', aliases: [], words: ['开通'], query: false },
  { kind: 'confirm', keyword: 'A', aliases: [], words: ['确认'], query: false },
  { kind: 'cancel', keyword: 'QX', aliases: [], words: ['取消'], query: false },
  { kind: 'balance', keyword: 'YE', aliases: [], words: ['余额'], query: true },
  { kind: 'statement', keyword: 'MX', aliases: [], words: ['明细'], query: true },
  { kind: 'topup', keyword: 'CZ', aliases: [], words: ['充值'], query: false },
  { kind: 'pay', keyword: 'ZF', aliases: [], words: ['支付'], query: false },
  { kind: 'transfer', keyword: 'ZZ', aliases: [], words: ['转账', '转帐'], query: false },
  { kind: 'changePin', keyword: 'GM', aliases: [], words: ['改密码', '改密'], query: false },
  { kind: 'freeze', keyword: 'DJ', aliases: [], words: ['冻结'], query: false },
  { kind: 'unfreeze', keyword: 'JD', aliases: [], words: ['解冻'], query: false },
  { kind: 'close', keyword: 'XH', aliases: [], words: ['销户'], query: false },
  { kind: 'help', keyword: 'BZ', aliases: ['HELP'], words: ['帮助'], query: true },
];

const BY_LETTERS = new Map<string, SmsKeyword>();
for (const spec of SMS_KEYWORDS) {
  for (const letters of [spec.keyword, ...spec.aliases]) BY_LETTERS.set(letters, spec);
}
/** Longest first, so that 改密码 wins over 改密. */
const BY_WORD: [string, SmsKeyword][] = SMS_KEYWORDS.flatMap((spec) =>
  spec.words.map((word): [string, SmsKeyword] => [word, spec]),
).sort((a, b) => b[0].length - a[0].length);

/** One character that separates arguments (sms-secrets.ts finds the arguments with it too). */
export const SEPARATOR = '[\\s,#*;、]';
const SEPARATORS = new RegExp(`${SEPARATOR}+`);
const LEADING_SEPARATORS = new RegExp(`^${SEPARATOR}+`);
const TRAILING_SEPARATORS = new RegExp(`${SEPARATOR}+$`);
export const FULL_STOPS = /[.。]+$/;
const ONLY_FULL_STOPS = /^[.。]+$/;
const ONLY_QUERY_MARKS = /^[.。?]+$/;
const ZERO_WIDTH = /\u00AD|\u200B|\u200C|\u200D|\u2060|\uFEFF/g;
const CONTROL = /\p{Cc}/gu;

/** Reads one MO SMS. Never throws. */
export function parseSms(text: string, options: ParseOptions = {}): SmsIntent {
  const locale: Locale = options?.locale === 'en' ? 'en' : 'zh-CN';
  if (typeof text !== 'string') return { kind: 'unknown', text: '' };
  if (text.length > MAX_SMS_TEXT) return { kind: 'unknown', text: cap(text) };
  try {
    return parse(text, locale);
  } catch {
    // Not expected (the property tests look for it); a help reply beats a crashed MO handler.
    return { kind: 'unknown', text: cap(text.trim()) };
  }
}

function parse(text: string, locale: Locale): SmsIntent {
  const unknown: SmsUnknown = { kind: 'unknown', text: cap(text.trim()) };
  const s = fold(text).replace(LEADING_SEPARATORS, '').replace(TRAILING_SEPARATORS, '');
  if (s === '') return unknown;
  if (/^\?+$/.test(s)) return { kind: 'help' };

  const hit = matchKeyword(s);
  if (!hit) return bareNumbers(s, locale) ?? unknown;
  const { spec, rest } = hit;
  if (spec.kind === 'help') return { kind: 'help' };

  const args = rest.split(SEPARATORS).filter((t) => t !== '');
  const last = args[args.length - 1];
  if (last !== undefined && (spec.query ? ONLY_QUERY_MARKS : ONLY_FULL_STOPS).test(last)) args.pop();
  return readArguments(spec, args, locale);
}

/**
 * Full-width to ASCII, U+3000 to a space, zero-width characters dropped, control characters to spaces.
 * Character by character: each UTF-16 unit becomes one unit or none (sms-secrets.ts relies on it).
 */
export function fold(text: string): string {
  return toHalfWidth(text)
    .replace(ZERO_WIDTH, '')
    .replace(CONTROL, ' ')
    .replace(/\uFF61/g, '。');
}

/** The keyword `s` starts with (`s` folded, without leading separators) and what follows it. */
export function matchKeyword(s: string): { spec: SmsKeyword; rest: string } | null {
  for (const [word, spec] of BY_WORD) {
    if (s.startsWith(word)) return { spec, rest: s.slice(word.length) };
  }
  const letters = /^[A-Za-z]+/.exec(s);
  if (!letters) return null;
  const spec = BY_LETTERS.get(letters[0].toUpperCase());
  return spec ? { spec, rest: s.slice(letters[0].length) } : null;
}

/**
 * A bare 6-digit number is a PIN, and a request number before it (`2 135790`) says which payment request
 * it pays; 4, 5, 7 or 8 digits look like a mistyped PIN.
 */
function bareNumbers(s: string, locale: Locale): SmsIntent | null {
  const tokens = s.split(SEPARATORS);
  if (tokens.length > 2) return null;
  const request = tokens.length === 2 ? tokens[0] : null;
  if (request !== null && !/^\d{1,2}$/.test(request)) return null;
  const command = request === null ? 'pin' : 'payRequest';
  const digits = tokens[tokens.length - 1].replace(FULL_STOPS, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length !== 6) {
    return digits.length >= 4 && digits.length <= 8 ? invalid(command, '', 'bad_pin', 'pin', locale) : null;
  }
  if (request === null) return { kind: 'pin', pin: digits };
  const n = Number(request);
  return n >= 1
    ? { kind: 'payRequest', request: n, pin: digits }
    : invalid(command, '', 'bad_request', 'request', locale);
}

type Read<T> = { ok: true; value: T } | { ok: false; problem: SmsProblem };

/** `last`: the token ends the message, so a full stop after it is punctuation. */
type Reader<T> = (token: string, last: boolean) => Read<T>;

const stripStop = (token: string, last: boolean) => (last ? token.replace(FULL_STOPS, '') : token);

const readPin: Reader<string> = (token, last) => {
  const t = stripStop(token, last);
  return /^\d{6}$/.test(t) ? { ok: true, value: t } : { ok: false, problem: 'bad_pin' };
};

const readAmount: Reader<bigint> = (token, last) => {
  let t = token;
  if (last) {
    const stripped = t.replace(FULL_STOPS, '');
    // `12.5。` is 12.5 and a sentence end; `12。` may be 12.x cut short, so it stays a bad amount.
    if (stripped !== t && (/[.。]/.test(stripped) || stripped.endsWith('元'))) t = stripped;
  }
  t = t.replace(/^[¥￥]/, '').replace(/元$/, '');
  const fen = t.length <= 16 ? parseYuan(t) : null;
  return fen === null ? { ok: false, problem: 'bad_amount' } : { ok: true, value: fen };
};

const readMsisdn: Reader<string> = (token, last) => {
  const t = stripStop(token, last);
  const canonical = t.length <= 20 ? normalizeMsisdn(t) : null;
  return canonical === null ? { ok: false, problem: 'bad_msisdn' } : { ok: true, value: canonical };
};

const readMerchant: Reader<string> = (token, last) => {
  const t = stripStop(token, last);
  return /^[A-Za-z0-9_-]{1,32}$/.test(t) ? { ok: true, value: t } : { ok: false, problem: 'bad_merchant' };
};

const readSerial: Reader<string> = (token, last) => {
  const t = stripStop(token, last);
  return /^\d{8,20}$/.test(t) ? { ok: true, value: t } : { ok: false, problem: 'bad_card' };
};

const readCardPin: Reader<string> = (token, last) => {
  const t = stripStop(token, last);
  return /^\d{4,12}$/.test(t) ? { ok: true, value: t } : { ok: false, problem: 'bad_card_pin' };
};

const readRequestNo: Reader<number> = (token, last) => {
  const t = stripStop(token, last);
  const n = /^\d{1,2}$/.test(t) ? Number(t) : 0;
  return n >= 1 ? { ok: true, value: n } : { ok: false, problem: 'bad_request' };
};

const readDays: Reader<number> = (token, last) => {
  const m = /^(\d{1,3})[天日]?$/.exec(stripStop(token, last));
  const days = m ? Number(m[1]) : 0;
  return days >= 1 && days <= 365 ? { ok: true, value: days } : { ok: false, problem: 'bad_days' };
};

class Refused {
  constructor(
    readonly problem: SmsProblem,
    readonly argument?: SmsArgument,
  ) {}
}

/** Reads the positional arguments of one keyword; the first fault (in order) is the one reported. */
function readArguments(spec: SmsKeyword, args: string[], locale: Locale): SmsIntent {
  let next = 0;
  const take = <T>(argument: SmsArgument, reader: Reader<T>, optional = false): T | undefined => {
    const token = args[next];
    if (token === undefined) {
      if (optional) return undefined;
      throw new Refused('missing_argument', argument);
    }
    next += 1;
    const read = reader(token, next === args.length);
    if (!read.ok) throw new Refused(read.problem, argument);
    return read.value;
  };
  const need = <T>(argument: SmsArgument, reader: Reader<T>): T => take(argument, reader) as T;

  try {
    const intent = command(spec.kind, need, take);
    if (next < args.length) throw new Refused('extra_arguments');
    return intent;
  } catch (e) {
    if (e instanceof Refused) return invalid(spec.kind, spec.keyword, e.problem, e.argument, locale);
    throw e;
  }
}

function command(
  kind: SmsKeyword['kind'],
  need: <T>(argument: SmsArgument, reader: Reader<T>) => T,
  take: <T>(argument: SmsArgument, reader: Reader<T>, optional?: boolean) => T | undefined,
): SmsCommand {
  switch (kind) {
    case 'topup':
      return { kind, serial: need('serial', readSerial), cardPin: need('cardPin', readCardPin) };
    case 'pay':
      return { kind, merchant: need('merchant', readMerchant), amount: need('amount', readAmount) };
    case 'transfer':
      return { kind, to: need('to', readMsisdn), amount: need('amount', readAmount) };
    case 'changePin': {
      const oldPin = need('oldPin', readPin);
      const newPin = need('newPin', readPin);
      if (newPin === oldPin) throw new Refused('same_pin', 'newPin');
      return { kind, oldPin, newPin };
    }
    case 'freeze': {
      const days = take('days', readDays, true);
      return days === undefined ? { kind } : { kind, days };
    }
    case 'unfreeze':
      return { kind, pin: need('pin', readPin) };
    case 'cancel': {
      const request = take('request', readRequestNo, true);
      return request === undefined ? { kind } : { kind: 'declineRequest', request };
    }
    default:
      return { kind };
  }
}

function invalid(
  command: CommandKind,
  keyword: string,
  problem: SmsProblem,
  argument: SmsArgument | undefined,
  locale: Locale,
): SmsInvalid {
  const result: SmsInvalid = { kind: 'invalid', command, keyword, problem, usage: usage(command, locale) };
  if (argument !== undefined) result.argument = argument;
  return result;
}

/** At most MAX_SMS_TEXT characters, without leaving half a surrogate pair at the cut. */
function cap(text: string): string {
  if (text.length <= MAX_SMS_TEXT) return text;
  const cut = text.slice(0, MAX_SMS_TEXT);
  const end = cut.charCodeAt(cut.length - 1);
  return end >= 0xd800 && end <= 0xdbff ? cut.slice(0, -1) : cut;
}

const USAGE: Record<Locale, Record<CommandKind, string>> = {
  'zh-CN': {
    open: '开通钱包:发送KT,再按提示回复A确认',
    confirm: '确认请回复A',
    cancel: '取消请回复QX,取消某笔支付请求请回复QX 编号,如 QX 2',
    balance: '查询余额:发送YE',
    statement: '查询最近5笔明细:发送MX',
    topup: '充值格式:CZ 卡号 卡密,如 CZ 8600123456789012 481516',
    pay: '支付格式:ZF 商户号 金额,如 ZF 2001 12.50',
    transfer: '转账格式:ZZ 手机号 金额,如 ZZ 13900139000 5',
    changePin: '改密格式:GM 旧密码 新密码(6位数字),如 GM 123456 654321',
    freeze: '冻结格式:DJ [天数],天数1-365可不填,如 DJ 7',
    unfreeze: '解冻格式:JD 支付密码,如 JD 654321',
    close: '销户:发送XH,再按提示回复A确认(余额须为0)',
    help: '帮助:发送BZ或?',
    pin: '请回复6位数字支付密码',
    payRequest: '确认支付请求:回复 编号 支付密码,如 2 135790',
    declineRequest: '取消支付请求:回复QX 编号,如 QX 2',
  },
  en: {
    open: 'To open a wallet: send KT, then reply A to confirm',
    confirm: 'To confirm, reply A',
    cancel: 'To cancel, reply QX; to decline payment request n, QX n, e.g. QX 2',
    balance: 'Balance: send YE',
    statement: 'Last 5 transactions: send MX',
    topup: 'Top up: CZ card-number card-PIN, e.g. CZ 8600123456789012 481516',
    pay: 'Pay: ZF merchant amount, e.g. ZF 2001 12.50',
    transfer: 'Transfer: ZZ mobile amount, e.g. ZZ 13900139000 5',
    changePin: 'Change PIN: GM old-PIN new-PIN (6 digits), e.g. GM 123456 654321',
    freeze: 'Freeze: DJ, or DJ days (1-365) to unfreeze after them, e.g. DJ 7',
    unfreeze: 'Unfreeze: JD PIN, e.g. JD 654321',
    close: 'Close the wallet: send XH, then reply A to confirm (the balance must be 0)',
    help: 'Help: send BZ or ?',
    pin: 'Reply with your 6-digit payment PIN',
    payRequest: 'To pay request n: reply n and your 6-digit PIN, e.g. 2 135790',
    declineRequest: 'To decline request n: reply QX n, e.g. QX 2',
  },
};

/** The usage line of a keyword (or of the bare PIN), e.g. `支付格式:ZF 商户号 金额,如 ZF 2001 12.50`. */
export function usage(kind: CommandKind, locale: Locale = 'zh-CN'): string {
  const catalog = USAGE[locale] ?? USAGE['zh-CN'];
  return catalog[kind] ?? catalog.help;
}

const HELP: Record<Locale, string> = {
  // ≤ 134 characters: two concatenated UCS2 SMS.
  'zh-CN':
    '指令:KT开通 A确认 QX取消 YE余额 MX明细 CZ 卡号 卡密:充值 ZF 商户号 金额:支付 ZZ 手机号 金额:转账 ' +
    'GM 旧密码 新密码:改密 DJ [天数]:冻结 JD 密码:解冻 XH销户 BZ帮助。可发中文,如 余额',
  // ≤ 306 GSM 7-bit characters (two concatenated SMS) and none from the extension table.
  en:
    'Commands: KT open, A confirm, QX cancel, YE balance, MX last 5, CZ card PIN: top up, ' +
    'ZF merchant amount: pay, ZZ mobile amount: transfer, GM old new: change PIN, DJ (days): freeze, ' +
    'JD PIN: unfreeze, XH close, BZ or ?: help. E.g. ZF 2001 12.50',
};

/** All keywords in one short text, sent as the reply to help and to anything not understood. */
export function helpText(locale: Locale = 'zh-CN'): string {
  return HELP[locale] ?? HELP['zh-CN'];
}

const PROBLEM: Record<Locale, Record<SmsProblem, string>> = {
  'zh-CN': {
    missing_argument: '缺少参数',
    extra_arguments: '参数过多',
    bad_amount: '金额有误,须大于0且最多两位小数',
    bad_msisdn: '手机号有误',
    bad_pin: '密码须为6位数字',
    same_pin: '新密码不能与旧密码相同',
    bad_days: '天数须为1-365',
    bad_merchant: '商户号有误',
    bad_card: '卡号须为8-20位数字',
    bad_card_pin: '卡密须为4-12位数字',
    bad_request: '请求编号有误',
  },
  en: {
    missing_argument: 'Something is missing',
    extra_arguments: 'Too many words',
    bad_amount: 'Bad amount: more than 0, at most 2 decimals',
    bad_msisdn: 'Bad mobile number',
    bad_pin: 'The PIN has 6 digits',
    same_pin: 'The new PIN must differ from the old one',
    bad_days: 'Days must be 1-365',
    bad_merchant: 'Bad merchant code',
    bad_card: 'The card number has 8-20 digits',
    bad_card_pin: 'The card PIN has 4-12 digits',
    bad_request: 'Bad request number',
  },
};

/** What is wrong, in a few words. */
export function problemText(problem: SmsProblem, locale: Locale = 'zh-CN'): string {
  return (PROBLEM[locale] ?? PROBLEM['zh-CN'])[problem];
}

/** The whole reply to an `invalid` intent: what is wrong, then the usage line, e.g. `金额有误,…。支付格式:…`. */
export function invalidReply(intent: SmsInvalid, locale: Locale = 'zh-CN'): string {
  const sep = locale === 'en' ? '. ' : '。';
  return `${problemText(intent.problem, locale)}${sep}${usage(intent.command, locale)}`;
}
