/**
 * What an SMS notification says, as data: which text, its parameters and the reader's language. The
 * ledger and the commands decide that someone is told something and what about; the SMS channel words it
 * from flows/texts when it relays the outbox row (a layer above, which owns the texts).
 */
import type { Keyring } from '../lib/index.js';

/** The notices commands send: each is a key of flows/texts (the SMS channel fails to compile otherwise). */
export const NOTIFY_KEYS = [
  'notify.opened',
  'notify.topup',
  'notify.payment',
  'notify.transfer.out',
  'notify.transfer.in',
  'notify.refund',
  'notify.reversal',
  'notify.payout',
  'notify.hold',
  'notify.hold.several',
  'notify.hold.posted',
  'notify.hold.voided',
  'notify.frozen',
  'notify.frozen.until',
  'notify.unfrozen',
  'notify.closed',
  'notify.pin.changed',
  'notify.pin.locked',
  'notify.pin.unlocked',
  'notify.card.locked',
  'notify.card.topups.locked',
  'notify.limits',
  'notify.login.locked',
  'notify.password.changed',
] as const;
export type NotifyKey = (typeof NOTIFY_KEYS)[number];

const notifyKeys: ReadonlySet<string> = new Set(NOTIFY_KEYS);
/** A stored `text_key` this version knows as a notice. */
export const isNotifyKey = (key: string): key is NotifyKey => notifyKeys.has(key);

/** A refusal the channel stopped waiting for, worded as its screen would be; params `{code, message}`. */
export const REFUSED = 'refused';

/** The text key of an outbox row: a notice, or a late refusal. */
export type NoticeKey = NotifyKey | typeof REFUSED;

/** A text's placeholders: a bigint is an amount in fen (worded as money), the rest as they are. */
export type NoticeParams = Record<string, string | number | bigint>;

/**
 * A notice's parameters as stored (`outbox.params`): JSON, amounts as `{"fen": "1250"}` so that no float
 * and no string can be mistaken for one; sealed under the keyring when they hold secrets.
 */
export function encodeParams(params: NoticeParams, sealWith?: Keyring): string {
  // No replacer or reviver: one runs per key, and every payment writes a notice.
  const plain: Record<string, string | number | { fen: string }> = {};
  for (const name in params) {
    const v = params[name];
    plain[name] = typeof v === 'bigint' ? { fen: v.toString() } : v;
  }
  const json = JSON.stringify(plain);
  return sealWith ? sealWith.seal(json) : json;
}

/** The parameters `encodeParams` stored (unsealed with the keyring when sealed). */
export function decodeParams(stored: string, keyring: Keyring): NoticeParams {
  const json = keyring.isSealed(stored) ? keyring.unseal(stored) : stored;
  const parsed = JSON.parse(json) as Record<string, string | number | { fen: string }>;
  const params: NoticeParams = {};
  for (const name in parsed) {
    const v = parsed[name];
    params[name] = typeof v === 'object' && v !== null ? BigInt(v.fen) : v;
  }
  return params;
}
