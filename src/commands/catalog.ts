/**
 * The typed catalog of commands. Channels build these; only the command workers run them against the
 * ledger. Every command carries `key`, its idempotency key (also its BullMQ job id): the same key with
 * the same content returns the first result, the same key with other content is refused.
 *
 * Amounts are fen as decimal strings (`"1250"` is ¥12.50) so that no JSON hop can turn them into floats.
 * MSISDNs may come in any of the accepted forms; commands normalize them.
 */
import { z } from 'zod';
import { LOCALES } from '../lib/index.js';

const fen = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'an amount is a positive whole number of fen')
  .transform((s) => BigInt(s));
const msisdn = z.string().min(5).max(20);
// A PIN as typed: its shape is checked by the command, so a bad one, an empty one too, is counted as wrong.
const pin = z.string().max(32);
const password = z.string().min(1).max(32);
const key = z.string().min(1).max(200);
const text = (max: number) => z.string().max(max);
const id = z.string().regex(/^\d{1,18}$/);

export const commandSchemas = {
  /** Opens a wallet for an MSISDN (after the user accepted the agreement) and sends the initial passwords. */
  'account.open': z.object({
    msisdn,
    locale: z.enum(LOCALES).optional(),
    channel: text(16).optional(),
  }),
  /** Closes a wallet; refused while money is in it or held. */
  'account.close': z.object({ msisdn }),
  /** Freezes a wallet, optionally unfreezing by itself after `days`. */
  'account.freeze': z.object({ msisdn, days: z.number().int().min(1).max(365).optional() }),
  /**
   * Unfreezes a wallet; needs the PIN when the user asks, not when the operator or the scheduler does.
   * `ifFrozenUntil` (the scheduler's): only if the freeze is still the one that was due.
   */
  'account.unfreeze': z.object({
    msisdn,
    pin: pin.optional(),
    ifFrozenUntil: z.string().datetime().optional(),
  }),
  /** Remembers the user's language for every later text. */
  'account.locale': z.object({ msisdn, locale: z.enum(LOCALES) }),
  /** Checks a WAP login password, counting wrong ones toward the login lockout. */
  'login.check': z.object({ msisdn, password }),
  /** Changes the WAP login password. */
  'password.change': z.object({ msisdn, oldPassword: password, newPassword: password }),
  /** Changes the 6-digit payment PIN. */
  'pin.change': z.object({ msisdn, oldPin: pin, newPin: pin }),
  /** An operator lifts the wallet's PIN and card top-up locks (the reason goes to the audit trail). */
  'pin.unlock': z.object({ msisdn, reason: text(200).min(1) }),
  /** Lowers (or restores) the user's own limits, within the platform caps. */
  'limits.set': z.object({ msisdn, perPayment: fen.optional(), daily: fen.optional() }),
  /** Balance from the ledger. */
  balance: z.object({ msisdn }),
  /** The last transactions from the ledger. */
  statement: z.object({ msisdn, limit: z.number().int().min(1).max(50).default(5) }),
  /** Top-up by recharge card (充值卡): the card redeems once. */
  'topup.card': z.object({ msisdn, serial: text(32), cardPin: text(32) }),
  /** Counter or bank top-up, idempotent on the bank's `reference`. */
  'topup.counter': z.object({ msisdn, amount: fen, reference: text(64).min(1) }),
  /** A user pays a merchant. */
  payment: z.object({
    msisdn,
    merchant: text(32),
    amount: fen,
    pin,
    reference: text(64).optional(),
    description: text(140).optional(),
  }),
  /** Phone-to-phone transfer (手机转帐). */
  transfer: z.object({ msisdn, to: msisdn, amount: fen, pin }),
  /** A merchant refunds (part of) a payment; never more than was paid. */
  refund: z.object({
    merchant: text(32),
    paymentId: z.string().regex(/^\d+$/),
    amount: fen.optional(),
    reason: text(140),
  }),
  /** A merchant reverses (冲正) a payment of the same business day: both sides restored in full. */
  reverse: z.object({ merchant: text(32), paymentId: id, reason: text(200).optional() }),
  /** A merchant pays a prize (派奖) to a user. */
  payout: z.object({
    merchant: text(32),
    msisdn,
    amount: fen,
    reference: text(64).min(1),
    description: text(140).optional(),
  }),
  /** A merchant's API key asks for a refund; it waits for the merchant's reviewer (退款审核). */
  'refund.request': z.object({
    merchant: text(32),
    paymentId: id,
    amount: fen.optional(),
    reason: text(200).min(1),
    reference: text(64).min(1),
    /** The id of the key that asked (`merchant_keys.id`): it may never review this refund. */
    requestedBy: id,
  }),
  /** The merchant's reviewer approves (the money moves) or rejects a refund under review. */
  'refund.review': z.object({
    merchant: text(32),
    refundId: id,
    paymentId: id,
    decision: z.enum(['approve', 'reject']),
    reviewer: id,
  }),
  /** The day close moves a merchant's net of a business day to the settlement clearing account. */
  settlement: z.object({ merchant: text(32), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  /** A merchant asks a user to pay: the money is held until the user confirms with the PIN, declines, or it expires. */
  'payment.request': z.object({
    merchant: text(32),
    msisdn,
    amount: fen,
    reference: text(64).min(1),
    description: text(140).optional(),
  }),
  /** The user confirms a merchant's payment request with the PIN: the hold is posted. */
  'payment.confirm': z.object({ msisdn, holdId: z.string().regex(/^\d+$/), pin }),
  /** The user declines a payment request (or the merchant withdraws it): the hold is voided. */
  'payment.decline': z.object({ msisdn, holdId: z.string().regex(/^\d+$/) }),
} as const;

export type CommandType = keyof typeof commandSchemas;
export type CommandInput<T extends CommandType> = z.output<(typeof commandSchemas)[T]>;
/** What producers send: inputs before parsing (amounts as strings). */
export type CommandPayload<T extends CommandType> = z.input<(typeof commandSchemas)[T]>;

export interface Command<T extends CommandType = CommandType> {
  key: string;
  type: T;
  input: CommandPayload<T>;
}

export type { CommandResult } from '../ledger/index.js';

export const commandKeySchema = key;

/** Commands whose paying account is the merchant's: they queue by merchant, not by wallet. */
const MERCHANT_PAYS = new Set<CommandType>(['refund', 'reverse', 'payout', 'refund.review', 'settlement']);

export function isCommandType(type: string): type is CommandType {
  return Object.hasOwn(commandSchemas, type);
}

/**
 * The account whose commands must stay in order: the payer where there is one. Commands route to a
 * queue partition by it, so one wallet's debits are never applied by two batches racing each other.
 */
export function partitionKey(command: Command): string {
  const input = command.input as Record<string, unknown>;
  const merchantPays = MERCHANT_PAYS.has(command.type);
  return String((merchantPays ? input.merchant : input.msisdn) ?? input.merchant ?? command.key);
}
