import { expect } from 'chai';
import { type AccountRow, Book } from '../../../src/ledger/book.js';
import { accountRow, bookOptions, userRow } from '../../helpers/book-rows.js';
import { RefusalError } from '../../../src/ledger/refusals.js';

const options = bookOptions(new Date('2026-11-23T04:00:00Z'));

const account = (id: bigint, balance: bigint, extra: Partial<AccountRow> = {}) =>
  accountRow(id, `wallet:86138000000${id}`, balance, extra);
const user = (accountId: bigint) => userRow(`86138000000${accountId}`, accountId);

describe('book', () => {
  it('a refused command – leaves balances, spending and entries as they were', () => {
    const book = new Book(options, [1n, 2n]);
    const a = account(1n, 1_000n);
    const b = account(2n, 0n);
    book.addAccount(a);
    book.addAccount(b);
    const u = user(1n);
    book.users.set(u.msisdn, u);
    const outcome = book.attempt(() => {
      book.spend(u, a, 900n);
      book.move({ kind: 'transfer', from: a, to: b, amount: 600n, commandKey: 'k1' });
      book.move({ kind: 'transfer', from: a, to: b, amount: 600n, commandKey: 'k1' }); // second one overdraws
    });
    expect(outcome).to.deep.include({ ok: false });
    expect([a.balance, b.balance, a.spent_today]).to.deep.equal([1_000n, 0n, 0n]);
    expect(book.entries).to.have.length(0);
    expect(book.newTransfers).to.have.length(0);
    // The transfer id it took is free again for the next command.
    const next = book.attempt(() =>
      book.move({ kind: 'transfer', from: a, to: b, amount: 100n, commandKey: 'k2' }),
    );
    expect(next.ok && next.value.id).to.equal(1n);
  });

  it('a wrong PIN – stays counted although its command is refused', () => {
    const book = new Book(options, [1n]);
    const a = account(1n, 1_000n);
    book.addAccount(a);
    const u = user(1n);
    book.users.set(u.msisdn, u);
    const outcome = book.attempt(() => book.checkPin(u, { pinHash: 'h', ok: false }));
    expect(!outcome.ok && outcome.error.code).to.equal('wrong_pin');
    expect(u.pin_failures).to.equal(1);
    expect(book.dirtyUsers.has(u.msisdn)).to.equal(true);
  });

  it('a right PIN checked against a hash that has changed since – does not count as right', () => {
    const book = new Book(options, []);
    const u = user(1n);
    expect(() => book.checkPin(u, { pinHash: 'old-hash', ok: true })).to.throw(RefusalError);
  });

  it('every posting – keeps each transfer summing to zero with the balance after it', () => {
    const book = new Book(options, [1n, 2n, 3n]);
    const a = account(1n, 1_000n);
    const b = account(2n, 0n);
    book.addAccount(a);
    book.addAccount(b);
    for (const amount of [100n, 250n, 1n])
      book.move({ kind: 'transfer', from: a, to: b, amount, commandKey: `k${amount}` });
    const byTransfer = new Map<bigint, bigint>();
    for (const e of book.entries)
      byTransfer.set(e.transfer_id, (byTransfer.get(e.transfer_id) ?? 0n) + e.amount);
    expect([...byTransfer.values()]).to.deep.equal([0n, 0n, 0n]);
    expect(book.entries.at(-2)!.balance_after).to.equal(649n);
    expect(book.entries.at(-1)!.balance_after).to.equal(351n);
  });
});
