/**
 * A screen written for the ear (INTERFACES §5): what the caller hears, as utterances each in one
 * language (the voice that says it). A menu is its title, then one short sentence an option ("For
 * balance, press 1." / 余额请按1。), each option in the language of its label, so the English menu's 中文
 * is offered in Mandarin and the Chinese menu's English in English. A prompt says how to end it
 * (`#`) and, for an amount, which key is the decimal point (`*`). Amounts (`¥12.50`) become words,
 * statement lines short sentences, and long digit strings (phone and card numbers) single digits.
 * The screen's language is told by its script, as the USSD pages tell theirs.
 */
import { type Locale, text } from '../../../flows/texts/index.js';
import type { Screen } from '../channel.js';
import { amountWords } from './ivr.words.js';

/** One thing said, in one language. */
export interface Utterance {
  locale: Locale;
  text: string;
}

const HAN = /\p{Script=Han}/u;
const localeOf = (value: string): Locale => (HAN.test(value) ? 'zh-CN' : 'en');

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `11-23 -¥12.50 *9000`, a line of the last transactions (flows/statement.flow.ts). */
const STATEMENT_LINE = /^(\d{2})-(\d{2}) ([+-])¥(\d+)\.(\d{2})(?: (.+))?$/;
const AMOUNT = /¥(\d+)\.(\d{2})/g;
/** Seven digits or more: a number to be read digit by digit, not as a quantity. */
const DIGIT_RUN = /\d{7,}/g;

const fenOf = (yuan: string, fen: string) => BigInt(yuan) * 100n + BigInt(fen);

/** A phone number or a card number, one digit at a time. */
const digitByDigit = (value: string) => value.replace(DIGIT_RUN, (run) => run.split('').join(' '));

/** The amounts of `line` in words, and its long numbers digit by digit. */
function spokenLine(line: string, locale: Locale): string {
  const words = line.replace(AMOUNT, (_, yuan: string, fen: string) => amountWords(fenOf(yuan, fen), locale));
  return digitByDigit(words);
}

/** A line of the last transactions as a sentence: the date, in or out, the amount, who. */
function statementSentence(match: RegExpExecArray, locale: Locale): string {
  const [, month, day, sign, yuan, fen, who] = match;
  const amount = amountWords(fenOf(yuan, fen), locale);
  const way = text(locale, sign === '+' ? 'ivr.in' : 'ivr.out');
  const phone = who ? /^\*(\d{4})$/.exec(who) : null;
  const party = phone ? text(locale, 'ivr.ending', { digits: phone[1] }) : who;
  if (locale === 'zh-CN') {
    const date = `${Number(month)}月${Number(day)}日`;
    return `${date},${way}${amount}${party ? `,${party}` : ''}。`;
  }
  const date = `${MONTHS[Number(month) - 1] ?? month} ${Number(day)}`;
  return `${date}, ${way} ${amount}${party ? `, ${party}` : ''}.`;
}

/** A line of a screen as a sentence, ended as its language ends one. */
function sentence(line: string, locale: Locale): string {
  const statement = STATEMENT_LINE.exec(line.trim());
  if (statement) return statementSentence(statement, locale);
  const said = spokenLine(line.trim(), locale);
  if (locale === 'zh-CN') return /[。?!:?!:]$/.test(said) ? said : `${said}。`;
  return /[.?!:]$/.test(said) ? said : `${said}.`;
}

/** A menu label inside a sentence: "For balance", but "For PIN" and "For Corner Shop" stay. */
function inSentence(label: string, locale: Locale): string {
  if (locale === 'zh-CN' || !/^[A-Z][a-z]/.test(label)) return label;
  return label[0].toLowerCase() + label.slice(1);
}

/** Consecutive utterances of one language, said by one voice. */
function merged(utterances: Utterance[]): Utterance[] {
  const out: Utterance[] = [];
  for (const u of utterances) {
    if (!u.text) continue;
    const last = out[out.length - 1];
    if (last && last.locale === u.locale)
      last.text = `${last.text}${u.locale === 'zh-CN' ? '' : ' '}${u.text}`;
    else out.push({ ...u });
  }
  return out;
}

const lines = (value: string) => value.split('\n').filter((l) => l.trim() !== '');

/** What the caller hears for `screen`. */
export function speech(screen: Screen): Utterance[] {
  if (screen.kind === 'menu') {
    const locale = localeOf(screen.title);
    const title = lines(screen.title).map((l) => ({ locale, text: sentence(l, locale) }));
    const options = screen.options.map((o) => {
      const said = localeOf(o.label);
      return {
        locale: said,
        // A label in another language than the menu's names that language ("English"): kept as written.
        text: text(said, 'ivr.option', {
          label: said === locale ? inSentence(spokenLine(o.label, said), said) : o.label,
          key: o.id,
        }),
      };
    });
    return merged([...title, ...options]);
  }
  const locale = localeOf(screen.text);
  const all = lines(screen.text);
  if (screen.kind === 'message') return merged(all.map((l) => ({ locale, text: sentence(l, locale) })));
  const asked = all.pop() ?? '';
  const before = all.map((l) => ({ locale, text: sentence(l, locale) }));
  const question = spokenLine(asked.trim(), locale).replace(/[:：]$/, '');
  const finish = { locale, text: text(locale, 'ivr.finish', { prompt: question }) };
  const decimal = screen.input.decimal ? [{ locale, text: text(locale, 'ivr.decimal') }] : [];
  return merged([...before, finish, ...decimal]);
}

/** The language of the screen as a whole (of its first utterance). */
export function speechLocale(screen: Screen): Locale {
  return localeOf(screen.kind === 'menu' ? screen.title : screen.text);
}

/** Polly voices take at most 3,000 characters a `<Say>`. */
export const SAY_MAX = 3_000;
