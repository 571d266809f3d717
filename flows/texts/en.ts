import type { TextKey } from './zh-CN.js';

/** English, the second locale. */
export const en: Record<TextKey, string> = {
  'notify.opened':
    'Your mobile wallet is open. Initial login password: {password}. Initial payment PIN: {pin}. Please change it: text GM old-PIN new-PIN.',
  'notify.topup': 'You topped up {amount}. Balance {balance}.',
  'notify.payment': 'You paid {amount} to {merchant}. Balance {balance}.',
  'notify.transfer.out': 'You sent {amount} to {to}. Balance {balance}.',
  'notify.transfer.in': '{from} sent you {amount}. Balance {balance}.',
  'notify.refund': '{merchant} refunded {amount}. Balance {balance}.',
  'notify.reversal': 'Your payment of {amount} to {merchant} was reversed. Balance {balance}.',
  'notify.payout': '{merchant} paid you a prize of {amount}. Balance {balance}.',
  'notify.hold':
    '{merchant} asks you to pay {amount}; the amount is held for you. Reply with your payment PIN to confirm, QX to cancel.',
  'notify.hold.posted': 'You paid {amount} to {merchant}. Balance {balance}.',
  'notify.hold.voided':
    'The payment request of {amount} from {merchant} was cancelled; the money is free again.',
  'notify.frozen': 'Your wallet is frozen.',
  'notify.frozen.until': 'Your wallet is frozen until {date}, when it unfreezes by itself.',
  'notify.unfrozen': 'Your wallet is unfrozen.',
  'notify.closed': 'Your wallet is closed.',
  'notify.pin.changed': 'Your payment PIN was changed. If this was not you, call customer service now.',
  'notify.pin.locked': 'Too many wrong PINs: payments are locked until {until}.',
  'notify.limits': 'Your limits are now {perPayment} per payment and {daily} a day.',
};
