/**
 * The words of the SMS conversation: what each command's outcome says, as short as one SMS allows
 * (70 UCS2 characters in Chinese, 160 GSM in English), and the compact statement. Pure functions of a
 * command result, so the machine stays a table of transitions.
 */
import type { CommandResult } from '../src/commands/index.js';
import { businessDay, fenFromJson, formatYuan } from '../src/lib/index.js';
import { clip, moneyOf, refusalText } from './kit.js';
import { type Locale, type TextKey, text } from './texts/index.js';

/** Commands an SMS runs at once, with no question back. */
export type OneShot = 'balance' | 'statement' | 'topup' | 'changePin' | 'freeze' | 'unfreeze';

const ONE_SHOTS: readonly string[] = ['balance', 'statement', 'topup', 'changePin', 'freeze', 'unfreeze'];

export const isOneShot = (kind: string): kind is OneShot => ONE_SHOTS.includes(kind);

/** Two sentences in one SMS: Chinese sentences end in `。`, English ones need a space. */
export function join(locale: Locale, ...parts: string[]): string {
  return parts.filter(Boolean).join(locale === 'en' ? ' ' : '');
}

/** The outcome of a command: `success` wording, the friendly refusal, or "the result follows by SMS". */
export function outcome(
  locale: Locale,
  output: CommandResult,
  success: (value: Record<string, unknown>) => string,
): string {
  return output.ok ? success(output.value) : refusalText(locale, output.error);
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

/** The reply to a one-shot command's result. */
export function oneShotReply(kind: OneShot, locale: Locale, output: CommandResult): string {
  const say = (key: TextKey, params: Record<string, string> = {}) => text(locale, key, params);
  return outcome(locale, output, (value) => {
    switch (kind) {
      case 'balance':
        return say('sms.balance', {
          balance: moneyOf(value.balance),
          available: moneyOf(value.available ?? value.balance),
        });
      case 'statement':
        return statementReply(locale, value.lines);
      case 'topup':
        return say('sms.topup.done', { amount: moneyOf(value.amount), balance: moneyOf(value.balance) });
      case 'changePin':
        return say('sms.pin.changed');
      case 'freeze':
        // The same date as the ledger's own confirmation SMS, so the two never disagree.
        return typeof value.frozenUntil === 'string'
          ? say('sms.freeze.done.until', { date: businessDay(new Date(value.frozenUntil)) })
          : say('sms.freeze.done');
      case 'unfreeze':
        return say('sms.unfreeze.done');
    }
  });
}
