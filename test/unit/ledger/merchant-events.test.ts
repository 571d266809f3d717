import { expect } from 'chai';
import { paymentStatus } from '../../../src/ledger/merchant-events.js';

describe('paymentStatus – the merchant API’s status list', () => {
  const now = new Date('2026-12-07T08:00:00Z');
  const base = {
    status: 'posted' as const,
    expires_at: null,
    void_reason: null,
    reversed: false,
    refunded: 0n,
    amount: 1_000n,
  };
  for (const [label, row, expected] of [
    ['a waiting request', { status: 'pending', expires_at: new Date(now.getTime() + 1) }, 'pending'],
    ['a request past its expiry, not yet swept', { status: 'pending', expires_at: now }, 'expired'],
    ['a request the user declined', { status: 'voided', void_reason: 'declined' }, 'declined'],
    ['a request the sweep voided', { status: 'voided', void_reason: 'expired' }, 'expired'],
    ['a paid payment', {}, 'paid'],
    ['a payment partly refunded', { refunded: 1n }, 'partially_refunded'],
    ['a payment refunded whole', { refunded: 1_000n }, 'refunded'],
    ['a reversed payment', { reversed: true }, 'reversed'],
  ] as const) {
    it(`when ${label} – is ${expected}`, () => {
      expect(paymentStatus({ ...base, ...row }, now)).to.equal(expected);
    });
  }
});
