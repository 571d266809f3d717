/** Account codes: one namespace for wallets, merchants and the platform's own accounts. */
export const walletCode = (msisdn: string) => `wallet:${msisdn}`;
export const merchantCode = (code: string) => `merchant:${code}`;
export const msisdnOfWallet = (code: string) => (code.startsWith('wallet:') ? code.slice(7) : null);
export const merchantOfAccount = (code: string) => (code.startsWith('merchant:') ? code.slice(9) : null);

export const SYSTEM = {
  cardFloat: 'sys:card_float',
  bankClearing: 'sys:bank_clearing',
  settlement: 'sys:settlement',
  fees: 'sys:fees',
} as const;
