/**
 * Reads that serve many callers with one query: `walletViews` (balances, holds, limits), `userProfiles`
 * (registered, status, locale) and the runner's read batcher, where the `balance` commands that arrive
 * together share one `runMany`. Each answer must be the asker's own, in the order asked.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type AccountView, walletViews } from '../../../src/ledger/queries.js';
import {
  pendingPaymentRequest,
  pendingPaymentRequests,
  sessionStartRow,
  userProfiles,
} from '../../../src/ledger/user-profile.js';
import { businessDay } from '../../../src/lib/time.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { expectBalanced } from '../../helpers/ledger.js';

describe('batched reads (real ledger and runner)', () => {
  let h: Harness;
  const merchant = `m${randomUUID().slice(0, 6)}`;
  /** Wallets with something each of their own: a balance, a language and a limit, a freeze, a spend, a hold. */
  let plain: string;
  let english: string;
  let frozen: string;
  let spender: string;
  let holder: string;
  let closed: string;
  const nobody = newMsisdn();

  const ok = async (type: Parameters<Harness['run']>[0], input: Record<string, unknown>) => {
    const result = await h.run(type, input as never);
    expect(result, `${type} ${JSON.stringify(input)}`).to.deep.include({ ok: true });
    return result;
  };
  const caps = () => ({ perPayment: h.config.limitPerPayment, daily: h.config.limitDaily });

  before(async () => {
    h = await createHarness();
    await h.merchant(merchant, 'Corner Shop');
    [plain, english, frozen, spender, holder, closed] = await Promise.all([
      h.openWallet(newMsisdn(), 10_000n),
      h.openWallet(newMsisdn(), 2_000n),
      h.openWallet(newMsisdn(), 3_300n),
      h.openWallet(newMsisdn(), 5_000n),
      h.openWallet(newMsisdn(), 7_000n),
      h.openWallet(newMsisdn()),
    ]);
    await ok('account.locale', { msisdn: english, locale: 'en' });
    await ok('limits.set', { msisdn: english, perPayment: '1500' });
    await ok('account.freeze', { msisdn: frozen });
    await ok('payment', { msisdn: spender, merchant, amount: '1250', pin: TEST_PIN });
    await ok('payment.request', { merchant, msisdn: holder, amount: '300', reference: randomUUID() });
    await ok('account.close', { msisdn: closed });
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  describe('walletViews', () => {
    it('walletViews – several wallets, one without a wallet and one asked twice – each view is its own wallet’s, in the order asked, null where there is none, the twice-asked twice alike', async () => {
      const today = businessDay(new Date());
      const asked = [spender, nobody, english, frozen, holder, english, plain];
      const views = await walletViews(h.db, asked, caps(), today);

      expect(views).to.have.length(asked.length);
      expect(views.map((v) => v?.msisdn ?? null)).to.deep.equal([
        spender,
        null,
        english,
        frozen,
        holder,
        english,
        plain,
      ]);
      const [ofSpender, ofNobody, ofEnglish, ofFrozen, ofHolder, ofEnglishAgain, ofPlain] =
        views as AccountView[];
      expect(ofNobody).to.equal(null);
      expect(ofEnglishAgain).to.deep.equal(ofEnglish);

      expect(ofPlain).to.deep.include({ status: 'active', balance: 10_000n, held: 0n, available: 10_000n });
      expect(ofPlain.limits).to.deep.equal({
        perPayment: caps().perPayment,
        daily: caps().daily,
        spentToday: 0n,
      });
      expect(ofEnglish).to.deep.include({
        status: 'active',
        balance: 2_000n,
        available: 2_000n,
        locale: 'en',
      });
      expect(ofEnglish.limits).to.deep.equal({ perPayment: 1_500n, daily: caps().daily, spentToday: 0n });
      expect(ofFrozen).to.deep.include({ status: 'frozen', balance: 3_300n, locale: 'zh-CN' });
      expect(ofSpender).to.deep.include({ status: 'active', balance: 3_750n, available: 3_750n });
      expect(ofSpender.limits.spentToday).to.equal(1_250n);
      expect(ofHolder).to.deep.include({ status: 'active', balance: 7_000n, held: 300n, available: 6_700n });
      for (const view of [ofSpender, ofEnglish, ofFrozen, ofHolder, ofPlain])
        expect(view.createdAt, view.msisdn).to.be.instanceOf(Date);
    });

    it('walletViews – asked for another business day – today’s spending counts nothing; the other answers are unchanged', async () => {
      const today = businessDay(new Date());
      const [same] = await walletViews(h.db, [spender], caps(), today);
      const [later, none] = await walletViews(h.db, [spender, nobody], caps(), '2999-01-01');
      expect(same?.limits.spentToday).to.equal(1_250n);
      expect(later?.limits.spentToday).to.equal(0n);
      expect(later).to.deep.include({ msisdn: spender, balance: 3_750n });
      expect(none).to.equal(null);
    });

    it('walletViews – only wallets that do not exist, or none – as many nulls as asked, or []', async () => {
      expect(await walletViews(h.db, [nobody, newMsisdn(), nobody], caps(), '2026-01-01')).to.deep.equal([
        null,
        null,
        null,
      ]);
      expect(await walletViews(h.db, [], caps(), '2026-01-01')).to.deep.equal([]);
    });
  });

  describe('userProfiles', () => {
    it('userProfiles – wallets in several states and forms of number, one without a wallet, one asked twice – each profile its own, in the order asked', async () => {
      const profiles = await userProfiles(h.db, [
        english.slice(2), // national form
        nobody,
        closed,
        `+${frozen}`,
        plain,
        english,
      ]);

      expect(profiles).to.deep.equal([
        { msisdn: english, registered: true, status: 'active', locale: 'en' },
        { msisdn: nobody, registered: false, status: null, locale: null },
        { msisdn: closed, registered: false, status: 'closed', locale: 'zh-CN' },
        { msisdn: frozen, registered: true, status: 'frozen', locale: 'zh-CN' },
        { msisdn: plain, registered: true, status: 'active', locale: 'zh-CN' },
        { msisdn: english, registered: true, status: 'active', locale: 'en' },
      ]);
      expect(profiles[5]).to.deep.equal(profiles[0]);
    });

    it('sessionStartRow – wallets in several states, one with a waiting request – the same profile and request as userProfiles and pendingPaymentRequest give, in one statement', async () => {
      for (const asked of [english.slice(2), nobody, closed, `+${frozen}`, holder]) {
        const start = await sessionStartRow(h.db, asked);
        expect(start.profile, asked).to.deep.equal((await userProfiles(h.db, [asked]))[0]);
        expect(start.request, asked).to.deep.equal(await pendingPaymentRequest(h.db, asked));
      }
      const held = await sessionStartRow(h.db, holder);
      expect(held.request).to.deep.include({
        requestNo: 1,
        merchant,
        merchantName: 'Corner Shop',
        amount: '300',
      });
      expect((await sessionStartRow(h.db, plain)).request).to.equal(null);
    });

    it('pendingPaymentRequest – none, one, two waiting (the second asked first by number) – the first of pendingPaymentRequests, or null', async () => {
      const twice = await h.openWallet(newMsisdn(), 1_000n);
      await ok('payment.request', { merchant, msisdn: twice, amount: '200', reference: randomUUID() });
      await ok('payment.request', { merchant, msisdn: twice, amount: '100', reference: randomUUID() });
      for (const asked of [plain, nobody, closed, holder, twice, `+${twice}`]) {
        const all = await pendingPaymentRequests(h.db, asked);
        expect(await pendingPaymentRequest(h.db, asked), asked).to.deep.equal(all[0] ?? null);
      }
      expect(await pendingPaymentRequests(h.db, twice)).to.have.length(2);
      expect(await pendingPaymentRequest(h.db, twice)).to.deep.include({ requestNo: 1, amount: '200' });
    });

    it('sessionStartRow and pendingPaymentRequest – asked on one connection, twice each – each is a named prepared statement there, parsed and planned once, answering the same', async () => {
      await h.db.transaction(async (trx) => {
        const start = await sessionStartRow(trx, holder);
        const pending = await pendingPaymentRequest(trx, holder);
        expect(await sessionStartRow(trx, holder)).to.deep.equal(start);
        expect(await pendingPaymentRequest(trx, holder)).to.deep.equal(pending);
        expect(pending).to.deep.include({ merchant, amount: '300' });
        const { rows } = await trx.raw(
          `SELECT name, statement FROM pg_prepared_statements
            WHERE name IN ('session_start_row', 'pending_payment_request') ORDER BY name`,
        );
        expect(rows.map((r: { name: string }) => r.name)).to.deep.equal([
          'pending_payment_request',
          'session_start_row',
        ]);
        // The statement is the query with its placeholder, never the number asked about.
        for (const row of rows as { statement: string }[]) {
          expect(row.statement).to.include('$1');
          expect(row.statement).not.to.include(holder);
        }
      });
    });

    it('userProfiles – only numbers without a wallet, or none – unregistered profiles in order, or []', async () => {
      const other = newMsisdn();
      expect(await userProfiles(h.db, [nobody, other.slice(2)])).to.deep.equal([
        { msisdn: nobody, registered: false, status: null, locale: null },
        { msisdn: other, registered: false, status: null, locale: null },
      ]);
      expect(await userProfiles(h.db, [])).to.deep.equal([]);
    });
  });

  describe('balance through the runner’s read batcher', () => {
    /** The sizes of the batches the runner's `balance` batcher has run (a private field, read for proof). */
    const balanceBatchSizes = (): number[] =>
      (h.runner as unknown as { readBatchers: Map<string, { sizes: number[] }> }).readBatchers.get('balance')
        ?.sizes ?? [];

    it('balance – several at once, one for a number without a wallet and one for a closed wallet – one query for all; each gets its own wallet’s balance, the two others not_a_user', async () => {
      const batchesBefore = balanceBatchSizes().length;
      const asked = [plain, nobody, english, frozen, closed, holder, plain.slice(2)];
      const results = await Promise.all(asked.map((msisdn) => h.run('balance', { msisdn })));

      // They met in the batcher: fewer queries than commands, one of several at least.
      const sizes = balanceBatchSizes().slice(batchesBefore);
      expect(
        sizes.reduce((a, b) => a + b, 0),
        'commands through the batcher',
      ).to.equal(asked.length);
      expect(Math.max(...sizes), 'largest batch').to.be.greaterThan(1);

      const value = (i: number) => {
        const result = results[i];
        expect(result.ok, `${asked[i]}: ${JSON.stringify(result)}`).to.equal(true);
        return result.ok ? result.value : {};
      };
      expect(value(0)).to.deep.include({
        msisdn: plain,
        status: 'active',
        balance: '10000',
        available: '10000',
      });
      expect(results[1]).to.deep.include({ ok: false });
      expect(!results[1].ok && results[1].error.code).to.equal('not_a_user');
      expect(value(2)).to.deep.include({ msisdn: english, balance: '2000', locale: 'en' });
      expect((value(2) as { limits: { perPayment: string } }).limits.perPayment).to.equal('1500');
      expect(value(3)).to.deep.include({ msisdn: frozen, status: 'frozen', balance: '3300' });
      expect(!results[4].ok && results[4].error.code).to.equal('not_a_user');
      expect(value(5)).to.deep.include({ msisdn: holder, balance: '7000', available: '6700' });
      expect(value(6)).to.deep.equal(value(0));
    });

    it('balance – one alone for a number without a wallet – not_a_user', async () => {
      const result = await h.run('balance', { msisdn: newMsisdn() });
      expect(result).to.deep.include({ ok: false });
      expect(!result.ok && result.error.code).to.equal('not_a_user');
    });

    it('balance – at once with one for something that is no mobile number – that one is refused invalid, the others still get their balances', async () => {
      const asked = [plain, 'not-a-phone', english];
      const settled = await Promise.allSettled(asked.map((msisdn) => h.run('balance', { msisdn })));

      expect(
        settled.map((s) => s.status),
        `outcomes: ${settled.map((s) => (s.status === 'fulfilled' ? JSON.stringify(s.value) : String(s.reason))).join(' | ')}`,
      ).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
      const [ofPlain, ofInvalid, ofEnglish] = settled.map((s) => (s.status === 'fulfilled' ? s.value : null));
      expect(ofPlain).to.deep.include({ ok: true });
      expect(ofPlain?.ok && ofPlain.value.balance).to.equal('10000');
      expect(ofInvalid?.ok === false && ofInvalid.error.code).to.equal('invalid');
      expect(ofEnglish?.ok && ofEnglish.value.balance).to.equal('2000');
    });
  });
});
