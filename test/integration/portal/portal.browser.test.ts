/**
 * The merchant portal in a real browser: Debian's Chromium driven by `playwright-core`
 * (test/helpers/browser.ts, as the WAP browser test), with JavaScript off since the portal has none,
 * against the real queue and ledger. A refund asked through the merchant API is approved in the portal
 * by the reviewer and refused for the cashier. Each page is kept as a screenshot under
 * `artifacts/portal/` (git-ignored).
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freshArtifacts, launchChromium } from '../../helpers/browser.js';
import type { Harness } from '../../helpers/harness.js';
import { type PortalMerchant, portalMerchant } from '../../helpers/portal-client.js';
import { type TestServer, useOpsServer } from '../ops/server.js';

const ARTIFACTS = 'artifacts/portal';

describe('merchant portal in Chromium: login → orders → refund review', function () {
  this.timeout(120_000);
  let h: Harness;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let m: PortalMerchant;
  let shot = 0;
  useOpsServer((harness, s) => {
    h = harness;
    server = s;
  });

  before(async () => {
    freshArtifacts(ARTIFACTS);
    browser = await launchChromium();
    m = await portalMerchant(h, server);
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1100, height: 700 }, javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Keeps the page shown now as a screenshot and checks it shows `words`. */
  async function look(name: string, words: string[]) {
    shot += 1;
    await page.screenshot({
      path: `${ARTIFACTS}/${String(shot).padStart(2, '0')}-${name}.png`,
      fullPage: true,
    });
    const text = await page.textContent('body');
    for (const w of words) expect(text, `${name}: shows ${w}`).to.include(w);
  }

  /** Clicks a submit button and answers the status of the page it lands on (after any redirect). */
  async function click(selector: string): Promise<number> {
    const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
    return res?.status() ?? 0;
  }

  async function logIn(who: 'admin' | 'cashier' | 'reviewer') {
    await page.goto(`${server.url}/merchant/login`);
    await look(`login-${who}`, ['商户自助后台', '商户号 Merchant code', '密码 Password']);
    await page.fill('#merchant', m.code);
    await page.fill('#username', who);
    await page.fill('#password', m.passwords[who]);
    expect(await click('input[type="submit"]')).to.equal(200);
    expect(new URL(page.url()).pathname).to.equal('/merchant/orders');
  }

  const refundStatus = async (id: string) => (await h.db('refunds').where({ id }).first('status')).status;
  const balanceOf = async (msisdn: string) =>
    (await server.ops('GET', `/api/accounts/${msisdn}`)).body.balance;

  it('a refund asked through the API – the reviewer finds the order, approves the refund, and the money moves', async () => {
    const reference = `order-${Date.now()}`;
    const { id, msisdn } = await m.paid(4200, reference);
    const refundId = await m.refundByApi(id, 1200);
    const before = await balanceOf(msisdn);

    await logIn('reviewer');
    await look('orders', ['订单 Orders', reference, '42.00', 'reviewer (reviewer)']);
    await page.fill('input[name="reference"]', reference);
    await page.selectOption('select[name="status"]', 'paid');
    expect(await click('form.filters input[type="submit"]')).to.equal(200);
    await look('orders-filtered', [reference, '42.00']);
    expect(await page.locator('tbody tr').count()).to.equal(1);

    await Promise.all([page.waitForNavigation(), page.click('a[href="/merchant/refunds"]')]);
    await look('refund-queue', ['退款审核 Refund review', reference, '12.00', '顾客退货']);
    expect(await click(`#refund-${refundId} input[name="approve"]`)).to.equal(200);
    await look('approved', [`退款 ${refundId} 已同意 approved`]);

    expect(await refundStatus(refundId)).to.equal('approved');
    expect(await balanceOf(msisdn)).to.equal(before + 1200);
    await page.goto(`${server.url}/merchant/orders/${id}`);
    await look('order-after', ['partially_refunded', '12.00', 'approved']);
  });

  it('a refund asked through the API – the cashier pressing approve – is refused and nothing moves', async () => {
    const { id, msisdn } = await m.paid(3300);
    const refundId = await m.refundByApi(id, 3300);
    const before = await balanceOf(msisdn);

    await logIn('cashier');
    await Promise.all([page.waitForNavigation(), page.click('a[href="/merchant/refunds"]')]);
    await look('cashier-queue', ['退款审核 Refund review', '33.00']);
    expect(await click(`#refund-${refundId} input[name="approve"]`)).to.equal(403);
    await look('cashier-refused', ['拒绝 Refused', '您的角色不能审核退款']);

    expect(await refundStatus(refundId)).to.equal('pending_review');
    expect(await balanceOf(msisdn)).to.equal(before);
  });

  it('a page opened without a session – lands on the login page and shows no order', async () => {
    const { id } = await m.paid(100);
    await page.goto(`${server.url}/merchant/orders/${id}`);
    expect(new URL(page.url()).pathname).to.equal('/merchant/login');
    await look('no-session', ['登录 Log in']);
    expect(await page.textContent('body')).not.to.include('1.00');
  });
});
