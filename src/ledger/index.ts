/**
 * The ledger's door: the pure rules (book, refusals, PINs, requests) and the repositories that take `trx`
 * first (book, wallets, commands, outbox, queries). Its migrations are loaded by knex by path, not from here.
 */
export { loadBook, type Needs, queueOutboxTexts, writeBook, writeOutbox } from './book-store.js';
export {
  type AccountRow,
  Book,
  type BookOptions,
  type OutboxRow,
  type PinCheck,
  type TransferRow,
  type UserRow,
} from './book.js';
export { checkLedger } from './check.js';
export { merchantOfAccount, msisdnOfWallet, SYSTEM, walletCode } from './codes.js';
export { type CommandResult, claim, setResults } from './command-store.js';
export { createMerchant } from './merchants.js';
export {
  decodeParams,
  encodeParams,
  isNotifyKey,
  type NoticeParams,
  type NotifyKey,
  REFUSED,
} from './notices.js';
export { claimWaitingNotices, markRelayed, type WaitingNotice } from './outbox-store.js';
export {
  applyLoginCheck,
  type LoginCheck,
  lockLogin,
  saveLoginCheck,
  setLoginHash,
  storedLogin,
} from './login-rules.js';
export { applyPinCheck } from './pin-rules.js';
export { type AccountView, dueFreezes, expiredHolds, statement, walletView, walletViews } from './queries.js';
export { type Refusal, RefusalError, refusals } from './refusals.js';
export { nextRequestNo, waitingRequests } from './request-rules.js';
export { type StoredCard, type StoredPin, storedCards, storedPins } from './secret-lookups.js';
export {
  type PaymentRequestView,
  pendingPaymentRequest,
  pendingPaymentRequests,
  type UserProfile,
  userProfile,
  userProfiles,
} from './user-profile.js';
export { issueVouchers } from './vouchers.js';
export {
  closeUser,
  hasWalletAccount,
  insertWalletAccount,
  lockWallet,
  lockWalletAccount,
  savePinCheck,
  setAccountStatus,
  setLimits,
  setLocale,
  setPin,
  unlockPins,
  upsertUser,
  userExists,
  userLocales,
} from './wallet-store.js';
