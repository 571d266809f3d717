/**
 * The ledger's door: the pure rules (book, refusals, PINs, requests) and the repositories that take `trx`
 * first (book, wallets, commands, outbox, queries). Its migrations are loaded by knex by path, not from here.
 */
export {
  loadBook,
  merchantDayNet,
  type Needs,
  queueOutboxTexts,
  writeBook,
  writeOutbox,
} from './book-store.js';
export {
  type AccountRow,
  Book,
  type BookOptions,
  type CallbackRow,
  type MerchantTerms,
  type OutboxRow,
  type RefundRow,
  type PinCheck,
  type TransferRow,
  type UserRow,
} from './book.js';
export { checkLedger } from './check.js';
export { merchantCode, merchantOfAccount, msisdnOfWallet, SYSTEM, walletCode } from './codes.js';
export { type CommandResult, claim, setResults } from './command-store.js';
export {
  type CallbackBody,
  type CallbackEvent,
  type PaymentStatus,
  paymentStatus,
  queueCallback,
} from './merchant-events.js';
export {
  type CallbackAttempt,
  type CallbackDelivery,
  type CallbackLogRow,
  callbackDelivery,
  callbackLog,
  anyUnqueuedCallbacks,
  claimUnqueuedCallbacks,
  insertRefund,
  markCallbacksQueued,
  merchantsMovedOn,
  type PaymentRecord,
  paymentRecord,
  type ReconciliationRecord,
  reconciliationRecords,
  recordCallbackAttempt,
  refundRecord,
  refundsOf,
  type SettlementRow,
  settlementsOf,
} from './merchant-store.js';
export {
  createMerchant,
  type KeyRole,
  type Merchant,
  type MerchantKeyHolder,
  merchantByCode,
  merchantByKey,
  type NewMerchant,
  rotateMerchantKey,
} from './merchants.js';
export {
  decodeParams,
  encodeParams,
  isNotifyKey,
  type NoticeParams,
  type NotifyKey,
  REFUSED,
} from './notices.js';
export { anyWaitingNotices, claimWaitingNotices, markRelayed, type WaitingNotice } from './outbox-store.js';
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
  sessionStartRow,
  pendingPaymentRequests,
  type UserProfile,
  userProfile,
  userProfiles,
} from './user-profile.js';
export {
  insertStaff,
  lockStaffLogin,
  merchantOrders,
  type OrderFilter,
  type RefundUnderReview,
  refundsUnderReview,
  saveStaffLogin,
  STAFF_ROLES,
  type StaffRole,
  type StaffRow,
  staffById,
  staffByLogin,
  staffOf,
} from './staff-store.js';
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
export {
  AUDIT_FAILED,
  AUDIT_PENDING,
  type AuditEntry,
  type AuditFilter,
  type AuditRow,
  type AuditSettlement,
  auditLog,
  beginAudit,
  type DayStats,
  dayStats,
  type MinuteCount,
  recordAudit,
  settleAudits,
  type SmsLine,
  smsHistory,
  wallMinutes,
} from './ops-store.js';
