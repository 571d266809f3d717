/**
 * The words of the SMS conversation: a journey's screen said the SMS way, as short as one SMS allows (70
 * UCS2 characters in Chinese, 160 GSM in English): "reply with your PIN, QX to cancel" where a menu says
 * "enter your PIN", `A` where it offers `1`, and the compact statement. Pure functions of a screen's
 * wording (its catalog key and parameters), so the machine stays a table of transitions.
 */
import type { PaymentRequestView } from '../src/ledger/index.js';
import { businessDay, fenFromJson, formatYuan } from '../src/lib/index.js';
import { clip, moneyOf, screenText } from './kit.js';
import type { Screen } from './screen.js';
import { type Locale, type TextKey, text } from './texts/index.js';

/** Two sentences in one SMS: Chinese sentences end in `。`, English ones need a space. */
export function join(locale: Locale, ...parts: string[]): string {
  return parts.filter(Boolean).join(locale === 'en' ? ' ' : '');
}

/**
 * The SMS text for each journey text that SMS says its own way, with the same parameters; a text not
 * listed (a refusal, "the result follows by SMS") is said as the journey says it.
 */
const SMS_WORDS: Partial<Record<TextKey, TextKey>> = {
  'flow.open.terms': 'sms.agreement',
  'flow.open.done': 'sms.open.done',
  'flow.close.confirm': 'sms.close.ask',
  'flow.close.done': 'sms.close.done',
  // The ledger refuses to close while money is in the wallet or held: SMS says how to empty it.
  'refusal.balance_not_zero': 'sms.close.not_empty',
  'flow.pay.pin': 'sms.pay.pin',
  'flow.pay.done': 'sms.pay.done',
  'flow.transfer.pin': 'sms.transfer.pin',
  'flow.transfer.done': 'sms.transfer.done',
  'flow.pin.again': 'sms.pin.again',
  'flow.request.declined': 'sms.request.declined',
  'flow.balance': 'sms.balance',
  'flow.topup.done': 'sms.topup.done',
  'flow.pin.done': 'sms.pin.changed',
  'flow.freeze.done': 'sms.freeze.done',
  'flow.freeze.done.until': 'sms.freeze.done.until',
  'flow.unfreeze.done': 'sms.unfreeze.done',
  'flow.error': 'sms.error',
};

/** A journey's screen in SMS words: its note first (a refusal), then its text the SMS way. */
export function smsText(locale: Locale, screen: Screen): string {
  const say = screen.say;
  if (!say) return screenText(screen);
  if (say.key === 'flow.statement.title') return statementReply(locale, say.rows);
  return join(locale, say.note ?? '', text(locale, SMS_WORDS[say.key] ?? say.key, say.params));
}

interface Line {
  kind?: unknown;
  amount?: unknown;
  counterparty?: unknown;
  counterpartyKind?: unknown;
  at?: unknown;
}

/**
 * `11-23 -12.50 2001`: the business day, the signed amount in yuan (the title says yuan, so no `¥` on
 * every line), and who: a phone's last four digits, a merchant's code, or what the platform did.
 */
function statementLine(locale: Locale, line: Line): string {
  const fen = fenFromJson(line.amount) ?? 0n;
  const signed = `${fen < 0n ? '-' : '+'}${formatYuan(fen < 0n ? -fen : fen)}`;
  const at = typeof line.at === 'string' ? new Date(line.at) : null;
  const day = at && !Number.isNaN(at.getTime()) ? businessDay(at).slice(5) : '';
  const name = String(line.counterparty ?? '');
  let who: string;
  if (line.counterpartyKind === 'wallet') who = `*${name.slice(-4)}`;
  else if (line.counterpartyKind === 'merchant') who = clip(name, 8);
  else if (String(line.kind ?? '').startsWith('topup')) who = text(locale, 'sms.statement.topup');
  else who = text(locale, 'sms.statement.platform');
  return [day, signed, who].filter(Boolean).join(' ');
}

/** The last five transactions, one line each, newest first: two concatenated SMS at most in Chinese. */
export function statementReply(locale: Locale, lines: unknown): string {
  const list = Array.isArray(lines) ? (lines as Line[]).slice(0, 5) : [];
  if (list.length === 0) return text(locale, 'sms.statement.empty');
  return [text(locale, 'sms.statement.title'), ...list.map((l) => statementLine(locale, l))].join('\n');
}

/**
 * The merchant requests waiting, one line each under `header` (which may name the number asked for); the
 * note when the step dropped a pending action.
 */
export function requestList(
  locale: Locale,
  header: TextKey,
  waiting: PaymentRequestView[],
  step: { requestNo: number | null; dropped: boolean },
): string {
  const lines = waiting.map((r) =>
    text(locale, 'sms.requests.line', {
      n: String(r.requestNo),
      merchant: clip(r.merchantName),
      amount: moneyOf(r.amount),
    }),
  );
  const head = text(locale, header, { count: String(waiting.length), n: String(step.requestNo) });
  return [head, ...lines, ...(step.dropped ? [text(locale, 'sms.replaced')] : [])].join('\n');
}
