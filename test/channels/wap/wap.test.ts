/**
 * The WAP pages (INTERFACES §7) against the real queue, ledger and SMPP test server, through a small
 * no-JavaScript client that keeps the cookie and posts forms as a browser does: every journey, each
 * refusal of bad input, a refresh and a double submit paying once, the login lockout and its SMS, and
 * markup typed into fields shown inert.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { wapRoutes } from '../../../src/channels/wap/index.js';
import { walletCode } from '../../../src/ledger/codes.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { textsFor, waitFor, walletBalance } from '../../helpers/ledger.js';
import { type SmsRig, startSmsRig, stopSmsRig } from '../../helpers/sms-rig.js';
import { startServer, type TestServer } from '../../integration/ops/server.js';
import { PASSWORD, textOf, WapClient, wapWallet } from './wap-client.js';

const NEW_PASSWORD = 'n3wpass88';
const NEW_PIN = '582047';

describe('WAP pages (real queue, ledger and SMPP test server)', function () {
  this.timeout(60_000);
  let rig: SmsRig;
  let server: TestServer;
  const merchant = 'W2001';

  before(async () => {
    rig = await startSmsRig({ maxBodyBytes: 4096 });
    server = await startServer(rig.h, { routers: [wapRoutes(channelDepsOf(rig.h))] });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(async () => {
    await server?.close();
    await stopSmsRig(rig, { balanced: true });
  });

  /** A wallet of ¥100.00 with a login password the test knows, in English unless asked otherwise. */
  const wallet = (locale: 'en' | 'zh-CN' = 'en') => wapWallet(rig.h, locale);
  async function loggedIn(locale: 'en' | 'zh-CN' = 'en') {
    const msisdn = await wallet(locale);
    const client = new WapClient(server);
    const home = await client.login(msisdn, PASSWORD);
    expect(home.status, home.html).to.equal(200);
    return { msisdn, client, home };
  }
  const payments = async (msisdn: string) =>
    (await rig.h.db('commands').where('key', 'like', `wap:${msisdn}:%`).where({ type: 'payment' })).length;

  describe('journeys', () => {
    it('login – MSISDN and password – home shows the balance and the menu numbered as on USSD', async () => {
      const { home } = await loggedIn();
      expect(textOf(home.html)).to.include('Balance ¥100.00');
      for (const [key, href] of [
        ['1', '/wap'],
        ['2', '/wap/topup'],
        ['3', '/wap/pay'],
        ['4', '/wap/transfer'],
        ['5', '/wap/transactions'],
        ['6', '/wap/account'],
      ])
        expect(home.html).to.include(`<a href="${href}" accesskey="${key}">${key}. `);
    });

    it('login page – no locale asked – is Chinese; a Chinese user’s home is Chinese, ?lang=en English', async () => {
      const client = new WapClient(server);
      const page = await client.get('/wap/login');
      expect(page.html).to.include('lang="zh-CN"').and.include('手机号');
      const english = await client.get('/wap/login?lang=en');
      expect(english.html).to.include('lang="en"').and.include('Mobile number');
      const { home } = await loggedIn('zh-CN');
      expect(textOf(home.html)).to.include('余额 ¥100.00').and.include('支付');
    });

    it('pay – merchant, 12.5, PIN – pays 1250 fen and shows the outcome after a redirect', async () => {
      const { msisdn, client } = await loggedIn();
      const posted = await client.submit('/wap/pay', { merchant, amount: '12.5', pin: TEST_PIN });
      expect(posted.status).to.equal(303);
      expect(posted.location).to.match(/^\/wap\/pay\?r=[A-Za-z0-9_-]{22}$/);
      expect(posted.location).not.to.include(TEST_PIN);
      const shown = await client.get(posted.location as string);
      expect(textOf(shown.html)).to.include('You paid ¥12.50 to Corner Shop. Balance ¥87.50.');
      expect(await walletBalance(rig.h, msisdn)).to.equal(8_750n);
    });

    it('pay – the result page refreshed three times – pays once', async () => {
      const { msisdn, client } = await loggedIn();
      const posted = await client.submit('/wap/pay', { merchant, amount: '10', pin: TEST_PIN });
      for (let i = 0; i < 3; i++) {
        const again = await client.get(posted.location as string);
        expect(textOf(again.html)).to.include('You paid ¥10.00 to Corner Shop. Balance ¥90.00.');
      }
      expect(await walletBalance(rig.h, msisdn)).to.equal(9_000n);
      expect(await payments(msisdn)).to.equal(1);
    });

    it('pay – the same form posted twice at once and once more later – pays once, both answers the same', async () => {
      const { msisdn, client } = await loggedIn();
      const form = await client.get('/wap/pay');
      const body = { ...WapClient.hidden(form.html), merchant, amount: '7', pin: TEST_PIN };
      const [a, b] = await Promise.all([client.post('/wap/pay', body), client.post('/wap/pay', body)]);
      const c = await client.post('/wap/pay', body);
      expect([a.status, b.status, c.status]).to.deep.equal([303, 303, 303]);
      expect(b.location).to.equal(a.location);
      expect(c.location).to.equal(a.location);
      expect(await walletBalance(rig.h, msisdn)).to.equal(9_300n);
      expect(await payments(msisdn)).to.equal(1);
    });

    it('transfer – number, 5, PIN – moves 500 fen', async () => {
      const { msisdn, client } = await loggedIn();
      const other = await wallet();
      const shown = await client.through('/wap/transfer', { to: other.slice(2), amount: '5', pin: TEST_PIN });
      expect(textOf(shown.html)).to.include(`You sent ¥5.00 to ${other.slice(2)}. Balance ¥95.00.`);
      expect(await walletBalance(rig.h, msisdn)).to.equal(9_500n);
      expect(await walletBalance(rig.h, other)).to.equal(10_500n);
    });

    it('top up – card number and card PIN – credits the card once', async () => {
      const { msisdn, client } = await loggedIn();
      const [card] = await issueVouchers(rig.h.db, keyringOf(rig.h.config), 1, 5_000n);
      const shown = await client.through('/wap/topup', { serial: card.serial, cardPin: card.pin });
      expect(textOf(shown.html)).to.include('You topped up ¥50.00. Balance ¥150.00.');
      expect(await walletBalance(rig.h, msisdn)).to.equal(15_000n);
    });

    it('transactions – 12 of them – ten a page, then the rest on the next', async () => {
      const { msisdn, client } = await loggedIn();
      for (let i = 1; i <= 11; i++)
        await rig.h.run('topup.counter', {
          msisdn,
          amount: String(i * 100),
          reference: `wap-tx-${msisdn}-${i}`,
        });
      const first = await client.get('/wap/transactions');
      expect(first.html.match(/<tr>/g)?.length).to.equal(10);
      expect(first.html).to.include('<a href="/wap/transactions?page=1" accesskey="9">9. Next</a>');
      const second = await client.get('/wap/transactions?page=1');
      expect(second.html.match(/<tr>/g)?.length).to.equal(2);
      expect(textOf(second.html)).to.include('+¥100.00');
      expect(second.html).to.include('accesskey="8">8. Previous</a>');
    });

    it('change login password – old, new, new again – the new one logs in, the old one no longer', async () => {
      const { msisdn, client } = await loggedIn();
      const shown = await client.through('/wap/password', {
        oldPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        again: NEW_PASSWORD,
      });
      expect(textOf(shown.html)).to.include('Your login password is changed.');
      const old = await new WapClient(server).login(msisdn, PASSWORD);
      expect(textOf(old.html)).to.include('手机号或登录密码错误。');
      const fresh = await new WapClient(server).login(msisdn, NEW_PASSWORD);
      expect(textOf(fresh.html)).to.include('Balance ¥100.00');
      await waitFor(async () =>
        (await textsFor(rig.h, msisdn)).some((t) => /login password was changed/.test(t)),
      );
    });

    it('change PIN – old, new, new again – the new PIN pays', async () => {
      const { msisdn, client } = await loggedIn();
      const shown = await client.through('/wap/pin', { oldPin: TEST_PIN, newPin: NEW_PIN, again: NEW_PIN });
      expect(textOf(shown.html)).to.include('Your payment PIN is changed.');
      const paid = await rig.h.run('payment', { msisdn, merchant, amount: '100', pin: NEW_PIN });
      expect(paid.ok, JSON.stringify(paid)).to.equal(true);
    });

    it('freeze, then unfreeze with the PIN – the wallet is frozen, then active again', async () => {
      const { msisdn, client } = await loggedIn();
      const status = async () =>
        (
          await rig.h
            .db('accounts')
            .where({ code: walletCode(msisdn) })
            .first('status')
        ).status;
      const frozen = await client.through('/wap/freeze', { days: '' });
      expect(textOf(frozen.html)).to.include('Your wallet is frozen.');
      expect(await status()).to.equal('frozen');
      expect(textOf((await client.get('/wap')).html)).to.include('Your wallet is frozen.');
      const thawed = await client.through('/wap/unfreeze', { pin: TEST_PIN });
      expect(textOf(thawed.html)).to.include('Your wallet is unfrozen and ready to use.');
      expect(await status()).to.equal('active');
    });

    it('log out – the session ends; its cookie opens nothing afterwards', async () => {
      const { client } = await loggedIn();
      const old = client.cookie;
      const out = await client.submit('/wap/logout', {});
      expect(out.status).to.equal(303);
      expect(out.location).to.equal('/wap/login');
      client.cookie = old;
      const home = await client.get('/wap');
      expect(home.status).to.equal(303);
      expect(home.location).to.equal('/wap/login');
    });

    it('open – a stranger accepts the terms – the SMS asks for A; A opens the wallet and the passwords come by SMS', async () => {
      const stranger = newMsisdn();
      const client = new WapClient(server);
      const shown = await client.through('/wap/open?lang=en', { msisdn: stranger.slice(2), accept: '1' });
      expect(textOf(shown.html)).to.include(`A text went to ${stranger.slice(2)}. Reply A`);
      const to = () => rig.smsc.messages.filter((m) => m.destination === stranger);
      await waitFor(async () => to().length >= 1, 20_000);
      expect(await rig.h.db('users').where({ msisdn: stranger }).first()).to.equal(undefined);
      await rig.smsc.mo(stranger, 'A');
      await waitFor(async () => Boolean(await rig.h.db('users').where({ msisdn: stranger }).first()), 20_000);
      await waitFor(async () => to().some((m) => /password/i.test(m.text) || /密码/.test(m.text)), 20_000);
    });

    it('open – the same form posted twice at once – one agreement SMS', async () => {
      const stranger = newMsisdn();
      const client = new WapClient(server);
      const form = await client.get('/wap/open');
      const body = { ...WapClient.hidden(form.html), msisdn: stranger.slice(2), accept: '1' };
      const answers = await Promise.all([client.post('/wap/open', body), client.post('/wap/open', body)]);
      expect(answers.map((a) => a.status)).to.deep.equal([303, 303]);
      expect(answers[1].location).to.equal(answers[0].location);
      const offered = await rig.h.db('outbox').where({ msisdn: stranger, reason: 'agreement' });
      expect(offered.length).to.equal(1);
    });

    it('terms – part of the adapter – served under /wap with the security headers', async () => {
      const page = await new WapClient(server).get('/wap/terms?lang=en');
      expect(page.status).to.equal(200);
      expect(page.html).to.include('One wallet per phone number');
      expect(page.headers.get('content-security-policy')).to.include("default-src 'none'");
    });
  });

  describe('bad input', () => {
    it('a form without its CSRF token – 403 and nothing paid', async () => {
      const { msisdn, client } = await loggedIn();
      const form = await client.get('/wap/pay');
      const { formKey } = WapClient.hidden(form.html);
      const refused = await client.post('/wap/pay', { formKey, merchant, amount: '1', pin: TEST_PIN });
      expect(refused.status).to.equal(403);
      expect(refused.html).not.to.match(/<script/i);
      expect(await walletBalance(rig.h, msisdn)).to.equal(10_000n);
      expect(await payments(msisdn)).to.equal(0);
    });

    it('a form with another session’s CSRF token – 403 and nothing paid', async () => {
      const { msisdn, client } = await loggedIn();
      const other = await loggedIn();
      const mine = WapClient.hidden((await client.get('/wap/pay')).html);
      const theirs = WapClient.hidden((await other.client.get('/wap/pay')).html);
      const refused = await client.post('/wap/pay', {
        csrf: theirs.csrf,
        formKey: mine.formKey,
        merchant,
        amount: '1',
        pin: TEST_PIN,
      });
      expect(refused.status).to.equal(403);
      expect(await walletBalance(rig.h, msisdn)).to.equal(10_000n);
      expect(await payments(msisdn)).to.equal(0);
    });

    it('an unknown or expired session – the login page, for a page and for a post', async () => {
      const client = new WapClient(server);
      client.cookie = `wap_sid=${'A'.repeat(43)}`;
      for (const path of ['/wap', '/wap/pay', '/wap/transactions']) {
        const page = await client.get(path);
        expect([page.status, page.location]).to.deep.equal([303, '/wap/login']);
      }
      const posted = await client.post('/wap/pay', {
        csrf: 'x',
        formKey: 'y',
        merchant,
        amount: '1',
        pin: TEST_PIN,
      });
      expect([posted.status, posted.location]).to.deep.equal([303, '/wap/login']);
    });

    it('a malformed amount – the same form, the error beside the amount, the merchant kept, no PIN echoed', async () => {
      const { msisdn, client } = await loggedIn();
      const page = await client.submit('/wap/pay', { merchant, amount: '12.345', pin: TEST_PIN });
      expect(page.status).to.equal(200);
      expect(page.html).to.match(/name="amount" value="12.345"[^>]*><br><strong class="err">An amount is/);
      expect(page.html).to.include(`name="merchant" value="${merchant}"`);
      expect(page.html).not.to.include(TEST_PIN);
      expect(await payments(msisdn)).to.equal(0);
    });

    it('a malformed MSISDN and PIN – errors beside both, the amount kept', async () => {
      const { client } = await loggedIn();
      const page = await client.submit('/wap/transfer', { to: '12345', amount: '5', pin: '12a' });
      expect(page.html).to.match(/name="to" value="12345"[^>]*><br><strong class="err">Enter an 11-digit/);
      expect(page.html).to.match(/name="pin" value=""[^>]*><br><strong class="err">A PIN is 6 digits/);
      expect(page.html).to.include('name="amount" value="5"');
    });

    it('a wrong PIN – the refusal beside the PIN after the redirect, the other fields kept, nothing paid', async () => {
      const { msisdn, client } = await loggedIn();
      const shown = await client.through('/wap/pay', { merchant, amount: '3', pin: '246813' });
      expect(shown.html).to.match(/name="pin" value=""[^>]*><br><strong class="err">Wrong PIN. 2 attempt/);
      expect(shown.html).to.include('name="amount" value="3"');
      expect(await walletBalance(rig.h, msisdn)).to.equal(10_000n);
    });

    it('HTML and script typed into fields – shown escaped, never as markup', async () => {
      const { client } = await loggedIn();
      const attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
      const page = await client.submit('/wap/pay', { merchant: attack, amount: attack, pin: TEST_PIN });
      expect(page.html).not.to.match(/<script|<img/i);
      expect(page.html).to.include('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
      const login = await new WapClient(server).submit('/wap/login', { msisdn: attack, password: 'x' });
      expect(login.html).not.to.match(/<script|<img/i);
      expect(login.html).to.include('&lt;script&gt;');
    });

    it(`a body over MAX_BODY_BYTES – 413`, async () => {
      const { client } = await loggedIn();
      const form = WapClient.hidden((await client.get('/wap/pay')).html);
      const big = await client.post('/wap/pay', {
        ...form,
        merchant: 'x'.repeat(5000),
        amount: '1',
        pin: TEST_PIN,
      });
      expect(big.status).to.equal(413);
    });
  });

  describe('login lockout', () => {
    it('five wrong passwords – login locked for 15 minutes, the right one refused, the owner told by SMS', async () => {
      const msisdn = await wallet();
      const client = new WapClient(server);
      for (let i = 1; i <= 4; i++) {
        const page = await client.login(msisdn, `wrong${i}x`);
        expect(textOf(page.html)).to.include('手机号或登录密码错误。');
        expect(page.html).to.include(`value="${msisdn.slice(2)}"`);
      }
      const fifth = await client.login(msisdn, 'wrong5x');
      expect(textOf(fifth.html)).to.include('登录密码错误次数过多,登录已锁定15分钟。');
      const right = await client.login(msisdn, PASSWORD);
      expect(textOf(right.html)).to.include('登录已锁定');
      const row = await rig.h.db('users').where({ msisdn }).first('login_locked_until');
      const minutes = (new Date(row.login_locked_until).getTime() - Date.now()) / 60_000;
      expect(minutes).to.be.within(14, 15.1);
      await waitFor(async () =>
        (await textsFor(rig.h, msisdn)).some((t) => /Five wrong login passwords/.test(t)),
      );
      await waitFor(
        async () =>
          rig.smsc.messages.some((m) => m.destination === msisdn && /Five wrong login/.test(m.text)),
        20_000,
      );
    });

    it('a number with no wallet – told as a wrong password, not that it has none', async () => {
      const page = await new WapClient(server).login(newMsisdn(), PASSWORD);
      expect(textOf(page.html)).to.include('手机号或登录密码错误');
    });
  });

  describe('pages and headers', () => {
    it('every page – under 10 KB, no script, a CSP allowing no script and no framing, no caching', async () => {
      const { client } = await loggedIn();
      for (const path of [
        '/wap',
        '/wap/pay',
        '/wap/transfer',
        '/wap/topup',
        '/wap/transactions',
        '/wap/account',
        '/wap/password',
        '/wap/pin',
        '/wap/freeze',
        '/wap/unfreeze',
        '/wap/logout',
        '/wap/terms',
      ]) {
        const page = await client.get(path);
        expect(page.status, path).to.equal(200);
        expect(Buffer.byteLength(page.html), path).to.be.below(10 * 1024);
        expect(page.html, path).not.to.match(/<script/i);
        const csp = page.headers.get('content-security-policy') ?? '';
        expect(csp, path).to.include("default-src 'none'").and.include("frame-ancestors 'none'");
        expect(csp, path).not.to.include('script-src');
        expect(page.headers.get('x-frame-options'), path).to.equal('DENY');
      }
      expect((await client.get('/wap')).headers.get('cache-control')).to.equal('no-store');
    });

    it('the session cookie – HttpOnly, SameSite=Strict, on /wap; Secure when PUBLIC_URL is https', async () => {
      const res = await fetch(`${server.url}/wap/login`);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('wap_sid=')) ?? '';
      expect(cookie)
        .to.match(/HttpOnly/)
        .and.match(/SameSite=Strict/)
        .and.match(/Path=\/wap/);
      expect(cookie).not.to.match(/Secure/);
      const config = { ...rig.h.config, publicUrl: 'https://pay.example.com' };
      const secure = await startServer(rig.h, { routers: [wapRoutes({ ...channelDepsOf(rig.h), config })] });
      try {
        const https = await fetch(`${secure.url}/wap/login`);
        expect(https.headers.getSetCookie().find((c) => c.startsWith('wap_sid='))).to.match(/; Secure/);
      } finally {
        await secure.close();
      }
    });

    it('the request log – at debug, of a login, a payment and a wrong PIN – holds no PIN, password or cookie', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const logged = await startServer(rig.h, {
        routers: [wapRoutes(channelDepsOf(rig.h))],
        logger: pino({ level: 'debug' }, sink),
      });
      try {
        const msisdn = await wallet();
        const client = new WapClient(logged);
        await client.login(msisdn, PASSWORD);
        await client.through('/wap/pay', { merchant, amount: '1', pin: TEST_PIN });
        await client.through('/wap/pay', { merchant, amount: '1', pin: '246813' });
        const token = client.cookie.split('=')[1];
        expect(lines.length).to.be.greaterThan(4);
        for (const secret of [TEST_PIN, '246813', PASSWORD, token])
          expect(lines.join('')).not.to.include(secret);
      } finally {
        await logged.close();
      }
    });

    it('Redis – holds the session sealed under its token’s hash, and no PIN or password anywhere', async () => {
      const { msisdn, client } = await loggedIn();
      await client.through('/wap/pay', { merchant, amount: '1', pin: TEST_PIN });
      const token = client.cookie.split('=')[1];
      const keys = await rig.h.redis.keys(`${rig.h.config.redisPrefix}:wap:*`);
      expect(keys.length).to.be.greaterThan(0);
      for (const key of keys) {
        expect(key).not.to.include(token);
        const value = (await rig.h.redis.get(key)) ?? '';
        for (const secret of [TEST_PIN, PASSWORD, msisdn, token]) expect(value).not.to.include(secret);
      }
    });
  });
});
