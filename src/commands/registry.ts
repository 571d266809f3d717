/** Command type → module: the one list to extend when a command is added. */
import type { CommandType } from './catalog.js';
import type { CommandModule } from './command.js';
import { accountClose } from './account-close.command.js';
import { accountFreeze } from './account-freeze.command.js';
import { accountLocale } from './account-locale.command.js';
import { accountOpen } from './account-open.command.js';
import { accountUnfreeze } from './account-unfreeze.command.js';
import { balance } from './balance.command.js';
import { limitsSet } from './limits-set.command.js';
import { loginCheck } from './login-check.command.js';
import { passwordChange } from './password-change.command.js';
import { paymentConfirm } from './payment-confirm.command.js';
import { paymentDecline } from './payment-decline.command.js';
import { paymentRequest } from './payment-request.command.js';
import { payment } from './payment.command.js';
import { payout } from './payout.command.js';
import { pinChange } from './pin-change.command.js';
import { pinUnlock } from './pin-unlock.command.js';
import { refund } from './refund.command.js';
import { refundRequest } from './refund-request.command.js';
import { refundReview } from './refund-review.command.js';
import { reverse } from './reverse.command.js';
import { settlement } from './settlement.command.js';
import { statement } from './statement.command.js';
import { topupCard } from './topup-card.command.js';
import { topupCounter } from './topup-counter.command.js';
import { transfer } from './transfer.command.js';

export const registry: { [T in CommandType]: CommandModule<T> } = {
  'account.open': accountOpen,
  'account.close': accountClose,
  'account.freeze': accountFreeze,
  'account.unfreeze': accountUnfreeze,
  'account.locale': accountLocale,
  'login.check': loginCheck,
  'password.change': passwordChange,
  'pin.change': pinChange,
  'pin.unlock': pinUnlock,
  'limits.set': limitsSet,
  balance,
  statement,
  'topup.card': topupCard,
  'topup.counter': topupCounter,
  payment,
  transfer,
  refund,
  reverse,
  payout,
  'payment.request': paymentRequest,
  'payment.confirm': paymentConfirm,
  'payment.decline': paymentDecline,
  'refund.request': refundRequest,
  'refund.review': refundReview,
  settlement,
};

/** Commands that only read the ledger: they may run wherever they are asked for, with no queue. */
export function isReadOnlyCommand(type: CommandType): boolean {
  const module = registry[type] as CommandModule<CommandType> | undefined;
  return module?.kind === 'single' && module.readOnly === true;
}
