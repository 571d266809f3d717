/** What the merchant commands share: the fee taken with a payment, given back by a reversal, and a refund's movement. */
import {
  type AccountRow,
  type Book,
  merchantOfAccount,
  RefusalError,
  refusals,
  SYSTEM,
  type TransferRow,
} from '../ledger/index.js';
import { merchantName, notifyOwner } from './shared.js';

const BASIS_POINTS = 10_000n;

/**
 * Takes the merchant's fee (its `fee_bps` of the amount, rounded down to the fen) from the merchant's
 * account to the platform's fee account, as a `fee` transfer beside the payment; the payment records it.
 */
export function chargeFee(book: Book, merchant: AccountRow, payment: TransferRow, key: string): void {
  const bps = BigInt(book.merchantTerms.get(merchantOfAccount(merchant.code) ?? '')?.feeBps ?? 0);
  const fee = (payment.amount * bps) / BASIS_POINTS;
  if (fee === 0n) return;
  book.move({
    kind: 'fee',
    from: merchant,
    to: feeAccount(book),
    amount: fee,
    commandKey: key,
    originalId: payment.id,
  });
  book.updateTransfer(payment, 'fee', fee);
}

/** A reversal undoes the payment whole: the fee taken with it goes back to the merchant. */
export function returnFee(book: Book, merchant: AccountRow, payment: TransferRow, key: string): void {
  if (payment.fee === 0n) return;
  book.move({
    kind: 'fee_return',
    from: feeAccount(book),
    to: merchant,
    amount: payment.fee,
    commandKey: key,
    originalId: payment.id,
  });
}

function feeAccount(book: Book): AccountRow {
  const account = book.account(SYSTEM.fees);
  if (!account) throw new Error('the fee account was not loaded into the batch');
  return account;
}

/**
 * Moves a refund of a posted payment, merchant → the paying wallet, never past what is left of it
 * (the payment row is locked in the batch, so two refunds of one payment see each other); SMS.
 * `amount` undefined: all that is left.
 */
export function refundPayment(
  book: Book,
  merchant: AccountRow,
  paid: TransferRow,
  amount: bigint | undefined,
  reason: string,
  key: string,
): TransferRow {
  if (paid.reversed) throw new RefusalError(refusals.alreadyReversed());
  const left = paid.amount - paid.refunded;
  const value = amount ?? left;
  if (value > left || left === 0n) throw new RefusalError(refusals.refundTooLarge(left));
  const wallet = book.accountById(paid.debit_account_id);
  const moved = book.move({
    kind: 'refund',
    from: merchant,
    to: wallet,
    amount: value,
    commandKey: key,
    originalId: paid.id,
    description: reason,
  });
  book.updateTransfer(paid, 'refunded', paid.refunded + value);
  notifyOwner(
    book,
    wallet,
    'notify.refund',
    { merchant: merchantName(book, merchant), amount: value, balance: wallet.balance },
    key,
  );
  return moved;
}
