import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { noticeText } from '../../../src/channels/sms/notice-text.js';
import { paymentRequest } from '../../../src/commands/payment-request.command.js';
import { loadConfig } from '../../../src/config/index.js';
import { Book, type OutboxRow, type TransferRow } from '../../../src/ledger/book.js';
import { createKeyring } from '../../../src/lib/keyring.js';
import { accountRow, bookOptions, userRow } from '../../helpers/book-rows.js';

const now = new Date('2026-12-01T04:00:00Z');
const options = bookOptions(now);
const config = loadConfig({});
const MSISDN = '8613800138000';
/** An outbox row as the SMS channel words it. */
const words = (row: OutboxRow) => noticeText({ ...row, text: null }, createKeyring(randomBytes(32).toString('hex')));

/** The Book of one batch: a wallet with ¥100, merchant 2001 (Corner Shop), transfer ids 100, 101, … */
function batch(ids = 10) {
  const book = new Book(
    options,
    Array.from({ length: ids }, (_, i) => BigInt(100 + i)),
  );
  const wallet = accountRow(1n, `wallet:${MSISDN}`, 10_000n);
  book.addAccount(wallet);
  book.addAccount(accountRow(2n, 'merchant:2001', 0n));
  book.merchantNames.set('2001', 'Corner Shop');
  book.users.set(MSISDN, userRow(MSISDN, 1n, { locale: 'en' }));
  let k = 0;
  const request = (amount = 500n) =>
    book.attempt(() =>
      paymentRequest.apply(
        book,
        { merchant: '2001', msisdn: MSISDN, amount, reference: `r${++k}` },
        { key: `k${k}`, prepared: {}, config },
      ),
    );
  return { book, wallet, request };
}

/** A hold the wallet had before the batch, as `loadBook` hands it over. */
function waiting(id: bigint, requestNo: number, expiresAt = new Date(now.getTime() + 60_000)): TransferRow {
  return {
    id,
    kind: 'hold',
    status: 'pending',
    debit_account_id: 1n,
    credit_account_id: 2n,
    amount: 100n,
    refunded: 0n,
    reversed: false,
    fee: 0n,
    void_reason: null,
    original_id: null,
    command_key: `old${id}`,
    reference: null,
    description: null,
    expires_at: expiresAt,
    created_at: now,
    posted_at: null,
    request_no: requestNo,
  };
}

describe('payment.request on the batch book', () => {
  it('payment.request – when four for one wallet are in one batch – numbers three 1, 2, 3 and refuses the fourth as too_many_requests', () => {
    const { book, wallet, request } = batch();
    const outcomes = [request(), request(), request(), request()];
    expect(outcomes.slice(0, 3).map((o) => o.ok && o.value.requestNo)).to.deep.equal([1, 2, 3]);
    const fourth = outcomes[3];
    expect(!fourth.ok && fourth.error.code).to.equal('too_many_requests');
    expect(book.newTransfers.map((t) => t.request_no)).to.deep.equal([1, 2, 3]);
    expect(wallet.held).to.equal(1_500n);
    expect(book.outbox).to.have.length(3);
  });

  it('payment.request – when the batch declined request 2 earlier – gives the new request number 2', () => {
    const { book, request } = batch();
    for (let i = 0; i < 3; i++) request();
    book.voidHold(book.newTransfers[1]);
    const next = request();
    expect(next.ok && next.value.requestNo).to.equal(2);
  });

  it('payment.request – when the wallet had requests 1 and 3 waiting and one expired – numbers it 2, then refuses the next', () => {
    const { book, request } = batch();
    book.knowHold(waiting(7n, 1));
    book.knowHold(waiting(8n, 3));
    book.knowHold(waiting(9n, 2, now)); // expired this very moment: its number is free
    const second = request();
    expect(second.ok && second.value.requestNo).to.equal(2);
    const third = request();
    expect(!third.ok && third.error.code).to.equal('too_many_requests');
  });

  it('payment.request – when a request is refused for the balance – leaves its number free for the next', () => {
    const { request } = batch();
    const first = request(20_000n);
    expect(!first.ok && first.error.code).to.equal('insufficient_funds');
    const second = request();
    expect(second.ok && second.value.requestNo).to.equal(1);
  });

  it('payment.request – its SMS – names merchant, amount and number, and how to answer one or several', () => {
    const { book, request } = batch();
    request();
    request(1_250n);
    expect(book.outbox.map(words)).to.deep.equal([
      'Corner Shop asks you to pay ¥5.00 (request 1); the amount is held for you. Reply with your payment PIN to confirm, QX to decline.',
      'Corner Shop asks you to pay ¥12.50 (request 2); the amount is held for you. 2 requests wait: reply "2 PIN" to confirm this one, "QX 2" to decline it.',
    ]);
    book.users.get(MSISDN)!.locale = 'zh-CN';
    request(300n);
    expect(words(book.outbox[2])).to.equal(
      'Corner Shop请求您支付¥3.00(编号3),已为您冻结该金额。您有3笔支付请求待确认,确认本笔请回复“3 支付密码”,取消请回复“QX 3”。',
    );
  });
});
