/**
 * The phone simulator (`/simulator`) in Debian's Chromium, driven by `playwright-core`, against the
 * gateway as `npm start` builds it: every channel of the registry over a real SMPP bind to the
 * simulator's in-process SMSC, the real queue, workers and ledger. A number opens a wallet by SMS and
 * pays a merchant by USSD from the page; every step is kept as a screenshot under `artifacts/simulator/`
 * (git-ignored).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { text } from '../../../flows/texts/index.js';
import { createChannelDeps, type RunningChannels, startChannels } from '../../../src/channels/index.js';
import { nationalMsisdn } from '../../../src/lib/index.js';
import { PhoneSmsc, simulatorRoutes } from '../../../src/ops/index.js';
import { launchChromium } from '../../helpers/browser.js';
import { createHarness, type Harness, newMsisdn } from '../../helpers/harness.js';
import { expectBalanced, waitFor, walletBalance } from '../../helpers/ledger.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

const ARTIFACTS = 'artifacts/simulator';
const MERCHANT = 'S7001';
const MERCHANT_NAME = '街角小店';

describe('the phone simulator in Chromium, over a real SMPP bind', function () {
  this.timeout(120_000);
  let phone: PhoneSmsc;
  let h: Harness;
  let channels: RunningChannels;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shot = 0;

  before(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    phone = await new PhoneSmsc({ shortCode: '10658888' }).start();
    // As the gateway does with SMPP_URL unset: the SMS channel binds to the simulator's SMSC.
    h = await createHarness({ smppUrl: phone.smppUrl, smppTps: 1000, shortCode: '10658888' });
    channels = await startChannels(createChannelDeps({ ...h, kickOutbox: () => h.relay.kick() }));
    await phone.smsc.waitForBind(1, 10_000);
    server = await startServer(h, {
      routers: [...channels.routers, simulatorRoutes({ config: h.config, opsToken: OPS_TOKEN, sms: phone })],
      extraQueues: () => channels.queues(),
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await channels?.stop();
    if (h) await expectBalanced(h);
    await h?.close();
    await phone?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 420, height: 760 }, locale: 'zh-CN' });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  async function screenshot(name: string) {
    shot += 1;
    await page.screenshot({
      path: `${ARTIFACTS}/${String(shot).padStart(2, '0')}-${name}.png`,
      fullPage: true,
    });
  }

  /** Logs in through the form, as a developer who opened `/simulator` does. */
  async function logIn() {
    const first = await page.goto(`${server.url}/simulator`);
    expect(first?.status()).to.equal(401);
    await screenshot('login');
    await page.fill('#token', OPS_TOKEN);
    await Promise.all([
      page.waitForURL(`${server.url}/simulator?lang=zh-CN`),
      page.click('button[type=submit]'),
    ]);
  }

  /** Picks `msisdn` (national form) as the phone's number. */
  async function pickNumber(msisdn: string) {
    await page.fill('#msisdn', msisdn);
    await page.dispatchEvent('#msisdn', 'change');
  }

  /** Texts `words` to the short code from the page and waits for an SMS holding `expected`. */
  async function textShortCode(words: string, expected: string) {
    await page.fill('#sms-text', words);
    await page.click('#sms-send');
    await page.locator('#inbox li.mt', { hasText: expected }).waitFor({ timeout: 20_000 });
  }

  /** Answers the USSD screen with `input` and waits for a screen holding `expected`. */
  async function ussdReply(input: string, expected: string) {
    await page.fill('#ussd-input', input);
    await page.click('#ussd-send');
    await page.locator('#ussd-screen', { hasText: expected }).waitFor({ timeout: 20_000 });
  }

  it('simulator – without the operator token – refuses the page, its script, its API and a forged cookie, and sends nothing', async () => {
    const national = nationalMsisdn(newMsisdn());
    const asked = [
      await server.call('GET', '/simulator'),
      await server.call('GET', '/simulator?token=not-the-token'),
      await server.call('GET', '/simulator/phone.js'),
      await server.call('GET', `/simulator/api/inbox?msisdn=${national}`),
      await server.call('POST', '/simulator/api/sms', { body: { msisdn: national, text: 'KT' } }),
      // The bearer token is for scripts of the operator API; the simulator is a browser's, by its cookie.
      await server.call('POST', '/simulator/api/sms', {
        body: { msisdn: national, text: 'KT' },
        token: OPS_TOKEN,
      }),
      await server.call('GET', '/simulator/phone.js', {
        headers: { cookie: `sim_session=${Math.floor(Date.now() / 1000) + 3600}.${'A'.repeat(43)}` },
      }),
      await server.call('POST', '/simulator/login', {
        body: 'token=not-the-token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ];
    expect(asked.map((r) => r.status)).to.deep.equal([401, 401, 401, 401, 401, 401, 401, 401]);
    expect(asked[0].text).to.include('name="token"');
    expect(asked[1].headers.get('set-cookie')).to.equal(null);
    expect(phone.inbox(`86${national}`)).to.deep.equal([]);
    // Nothing reached the gateway: no MO of that number stored.
    expect(await h.db('sms_mo').where({ msisdn: `86${national}` })).to.deep.equal([]);
  });

  it('simulator – with ?token= – trades it for an HttpOnly cookie and leaves no token in the address', async () => {
    const res = await page.goto(`${server.url}/simulator?token=${OPS_TOKEN}`);
    expect(res?.status()).to.equal(200);
    expect(page.url()).to.equal(`${server.url}/simulator?lang=zh-CN`);
    const [cookie] = await context.cookies();
    expect(cookie).to.include({
      name: 'sim_session',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/simulator',
    });
    expect(cookie.value).not.to.include(OPS_TOKEN);
    const csp = (await res?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).to.include("script-src 'self'").and.include("default-src 'none'");
    // The English page is the same phone in other words.
    await page.click('a[href="/simulator?lang=en"]');
    await page.locator('#tab-sms', { hasText: 'SMS' }).waitFor();
    expect(await page.textContent('h1')).to.equal('Phone simulator');
    await screenshot('english');
  });

  it('simulator – a wallet opened by SMS, then a merchant paid by USSD – shows the agreement, the passwords, the END screen and the SMS confirmation', async () => {
    const msisdn = newMsisdn();
    const national = nationalMsisdn(msisdn);
    await logIn();
    await pickNumber(national);
    await page.locator('#sms-status', { hasText: '收件箱是空的' }).waitFor();
    await screenshot('empty-inbox');

    await textShortCode('KT', text('zh-CN', 'sms.agreement'));
    await screenshot('agreement');
    await textShortCode('A', '初始支付密码');
    await screenshot('passwords');
    const passwords = await page.locator('#inbox li.mt', { hasText: '初始支付密码' }).textContent();
    const pinMatch = /初始支付密码[:：](\d{6})/.exec(passwords ?? '');
    expect(pinMatch, `the passwords SMS: ${passwords}`).not.to.equal(null);
    const userPin = pinMatch?.[1] ?? '';
    // It came over SMPP: the SMSC recorded the submit to this number.
    expect(
      phone.smsc.messages.some((m) => m.destination.endsWith(national) && m.text.includes(userPin)),
    ).to.equal(true);

    // A merchant, and money in the wallet, through the operator API.
    expect(
      (await server.ops('POST', '/api/merchants', { code: MERCHANT, name: MERCHANT_NAME })).status,
    ).to.equal(201);
    const topup = await server.ops('POST', '/api/topups', {
      msisdn: national,
      amount: 10_000,
      reference: randomUUID(),
    });
    expect(topup.status, topup.text).to.equal(201);
    await page
      .locator('#inbox li.mt', {
        hasText: text('zh-CN', 'notify.topup', { amount: '¥100.00', balance: '¥100.00' }),
      })
      .waitFor({ timeout: 20_000 });

    await page.click('#tab-ussd');
    await page.click('#ussd-dial');
    await page
      .locator('#ussd-screen', { hasText: text('zh-CN', 'flow.menu.pay') })
      .waitFor({ timeout: 20_000 });
    await screenshot('ussd-menu');
    await ussdReply('3', text('zh-CN', 'flow.pay.merchant'));
    await ussdReply(MERCHANT, text('zh-CN', 'flow.pay.amount', { merchant: MERCHANT }));
    await ussdReply('12.5', text('zh-CN', 'flow.pay.pin', { merchant: MERCHANT, amount: '¥12.50' }));
    await screenshot('ussd-pin');
    const done = text('zh-CN', 'flow.pay.done', {
      merchant: MERCHANT_NAME,
      amount: '¥12.50',
      balance: '¥87.50',
    });
    await ussdReply(userPin, done);
    await page.locator('#ussd-screen', { hasText: '会话已结束' }).waitFor();
    expect(await page.isDisabled('#ussd-input')).to.equal(true);
    await screenshot('ussd-end');

    await page.click('#tab-sms');
    const confirmation = text('zh-CN', 'notify.payment', {
      merchant: MERCHANT_NAME,
      amount: '¥12.50',
      balance: '¥87.50',
    });
    await page.locator('#inbox li.mt', { hasText: confirmation }).waitFor({ timeout: 20_000 });
    await screenshot('sms-confirmation');
    await waitFor(async () => (await walletBalance(h, msisdn)) === 8_750n);
  });

  it('simulator – the SIM menu – lists the six items, goes back from an input and shows the balance', async () => {
    const msisdn = await h.openWallet(newMsisdn(), 2_500n);
    await logIn();
    await pickNumber(nationalMsisdn(msisdn));
    await page.click('#tab-stk');
    await page.click('#stk-open');
    await page.locator('#stk-screen button').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('#stk-screen button').count()).to.equal(6);
    await screenshot('stk-menu');
    // Pay asks for the merchant (GET INPUT); back, the SIM's own terminal response in TLV (result 11,
    // backward move), shows the menu again.
    await page.click('#stk-screen button[data-item="3"]');
    await page
      .locator('#stk-screen', { hasText: text('zh-CN', 'flow.pay.merchant') })
      .waitFor({ timeout: 20_000 });
    expect(await page.isVisible('#stk-input')).to.equal(true);
    await screenshot('stk-input');
    await page.click('#stk-back');
    await page.locator('#stk-screen button[data-item="1"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#stk-screen button').count()).to.equal(6);
    expect(await page.isHidden('#stk-input-form')).to.equal(true);
    await page.click('#stk-screen button[data-item="1"]');
    const balance = text('zh-CN', 'flow.balance', { balance: '¥25.00', available: '¥25.00' });
    await page.locator('#stk-screen', { hasText: balance }).waitFor({ timeout: 20_000 });
    await screenshot('stk-balance');
    // The balance is the last screen: cleared (OK), the session ends.
    await page.click('#stk-ok');
    await page.locator('#stk-screen', { hasText: '会话已结束' }).waitFor();
  });
});

describe('the phone simulator when NODE_ENV=production', () => {
  let h: Harness;
  let server: TestServer;
  before(async () => {
    h = await createHarness({}, { workers: false });
    const config = { ...h.config, nodeEnv: 'production' };
    server = await startServer(h, { routers: [simulatorRoutes({ config, opsToken: OPS_TOKEN, sms: null })] });
  });
  after(async () => {
    await server?.close();
    await h?.close();
  });

  it('simulator – in production – is not there at all, token or not (404)', async () => {
    const asked = [
      await server.call('GET', '/simulator'),
      await server.call('GET', `/simulator?token=${OPS_TOKEN}`),
      await server.call('GET', '/simulator/phone.js'),
      await server.call('GET', '/simulator/api/inbox?msisdn=13800138000'),
    ];
    expect(asked.map((r) => r.status)).to.deep.equal([404, 404, 404, 404]);
    expect(asked[1].headers.get('set-cookie')).to.equal(null);
  });
});
