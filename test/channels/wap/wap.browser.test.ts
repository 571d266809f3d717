/**
 * The WAP journeys in a real browser at a feature phone's size: Debian's Chromium driven by
 * `playwright-core` (no browser download; `executablePath: /usr/bin/chromium`) at 240×320, with no
 * JavaScript at all, against the real queue, ledger and SMPP test server. Each page is kept as a
 * screenshot under `artifacts/wap/` (git-ignored) and read by `lynx -dump` (Debian's `lynx`), which must
 * show its content and its links in order. Where Chromium or lynx is missing the tests fail saying how to
 * install them (`.ci/run` installs both).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { wapRoutes } from '../../../src/channels/wap/index.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { CHROMIUM, freshArtifacts, hasChromium, launchChromium } from '../../helpers/browser.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { waitFor, walletBalance } from '../../helpers/ledger.js';
import { type SmsRig, startSmsRig, stopSmsRig } from '../../helpers/sms-rig.js';
import { startServer, type TestServer } from '../../integration/ops/server.js';
import { PASSWORD, wapWallet } from './wap-client.js';

const ARTIFACTS = 'artifacts/wap';

/** What lynx shows of a page: its text, and the paths of its links in order. */
function lynxDump(html: string): { text: string; links: string[] } {
  const out = execFileSync(
    'lynx',
    ['-dump', '-stdin', '-assume_charset=utf-8', '-display_charset=utf-8', '-width=60', '-nolist=false'],
    { input: html, encoding: 'utf8' },
  );
  const [text, refs = ''] = out.split(/\nReferences\n/);
  const links = [...refs.matchAll(/^\s*\d+\. file:\/\/(?:localhost)?(\S+)$/gm)].map((m) => m[1]);
  return { text, links };
}

const hasTools =
  hasChromium() &&
  (() => {
    try {
      execFileSync('lynx', ['-version'], { stdio: 'ignore' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  })();

describe('WAP in Chromium at 240×320, and in lynx', function () {
  this.timeout(120_000);
  let rig: SmsRig;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shot = 0;
  const merchant = 'W4001';

  before(async () => {
    // A skipped test would pass for nothing (and the runner fails pending ones): missing tools fail, saying how.
    if (!hasTools)
      throw new Error(`${CHROMIUM} or lynx is missing: apt-get install -y chromium lynx (.ci/run does)`);
    freshArtifacts(ARTIFACTS);
    rig = await startSmsRig();
    server = await startServer(rig.h, { routers: [wapRoutes(channelDepsOf(rig.h))] });
    await rig.h.merchant(merchant, '街角小店');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await stopSmsRig(rig, { balanced: true });
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 240, height: 320 }, javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  /**
   * The page shown now, checked: a screenshot kept, the HTML the server sent under 10 KB and read by
   * lynx, whose dump must hold `words` and list exactly `links` (paths, in order).
   */
  async function look(name: string, html: string, words: string[], links: string[]) {
    shot += 1;
    await page.screenshot({
      path: `${ARTIFACTS}/${String(shot).padStart(2, '0')}-${name}.png`,
      fullPage: true,
    });
    writeFileSync(`${ARTIFACTS}/${String(shot).padStart(2, '0')}-${name}.html`, html);
    expect(Buffer.byteLength(html), name).to.be.below(10 * 1024);
    const width = await page.evaluate(() => document.documentElement.scrollWidth).catch(() => null);
    // With JavaScript off `evaluate` still runs in Playwright's own world: the page must not scroll sideways.
    if (width !== null) expect(width, `${name}: wider than the screen`).to.be.at.most(240);
    const dump = lynxDump(html);
    for (const w of words) expect(dump.text, `${name}: lynx shows ${w}`).to.include(w);
    expect(dump.links, `${name}: lynx's links`).to.deep.equal(links);
    return dump;
  }

  /** Goes to `path` and answers the HTML the server sent. */
  async function open(path: string): Promise<string> {
    const res = await page.goto(`${server.url}${path}`);
    return (await res?.text()) ?? '';
  }

  /** Submits the page's form: the HTML of the page it lands on (after the redirect). */
  async function submit(fields: Record<string, string>): Promise<string> {
    for (const [name, value] of Object.entries(fields)) {
      if (value === 'check') await page.check(`input[name="${name}"]`);
      else await page.fill(`input[name="${name}"]`, value);
    }
    const [res] = await Promise.all([page.waitForNavigation(), page.click('input[type="submit"]')]);
    return (await res?.text()) ?? '';
  }

  const wallet = () => wapWallet(rig.h);

  async function logIn(msisdn: string) {
    await look(
      'login',
      await open('/wap/login'),
      ['登录', '手机号', '登录密码'],
      ['/wap/open', '/wap/login?lang=en'],
    );
    return submit({ msisdn: msisdn.slice(2), password: PASSWORD });
  }

  const HOME_LINKS = [
    '/wap',
    '/wap/topup',
    '/wap/pay',
    '/wap/transfer',
    '/wap/transactions',
    '/wap/account',
    '/wap/terms?lang=zh-CN',
  ];

  it('log in, pay, refresh the outcome, transfer, top up, transactions – each page seen, paid once', async () => {
    const msisdn = await wallet();
    const other = await wallet();
    const home = await logIn(msisdn);
    await look('home', home, ['余额 ¥100.00', '1. 余额', '3. 支付', '退出'], HOME_LINKS);

    // The menu's numbers are its accesskeys, as on USSD: 3 is pay. (Playwright's synthetic keys do not
    // reach Chromium's accesskey handling, so the link the key names is followed by a click.)
    const three = page.locator('a[accesskey="3"]');
    expect(await three.getAttribute('href')).to.equal('/wap/pay');
    await Promise.all([page.waitForNavigation(), three.click()]);
    expect(new URL(page.url()).pathname).to.equal('/wap/pay');
    await look('pay', await open('/wap/pay'), ['商户编号', '金额(元)', '6位支付密码'], ['/wap']);
    const paid = await submit({ merchant, amount: '12.5', pin: TEST_PIN });
    expect(page.url()).not.to.include(TEST_PIN);
    await look('paid', paid, ['已向街角小店支付¥12.50,余额¥87.50。'], ['/wap/pay', '/wap']);
    const refreshed = await page.reload();
    await look(
      'paid-refreshed',
      (await refreshed?.text()) ?? '',
      ['已向街角小店支付¥12.50'],
      ['/wap/pay', '/wap'],
    );
    expect(await walletBalance(rig.h, msisdn)).to.equal(8_750n);

    await open('/wap/transfer');
    await look('transfer', await open('/wap/transfer'), ['对方手机号'], ['/wap']);
    const sent = await submit({ to: other.slice(2), amount: '5', pin: TEST_PIN });
    await look('transferred', sent, [`已向${other.slice(2)}转账¥5.00`], ['/wap/transfer', '/wap']);

    const [card] = await issueVouchers(rig.h.db, keyringOf(rig.h.config), 1, 5_000n);
    await look('topup', await open('/wap/topup'), ['充值卡号', '充值卡密码'], ['/wap']);
    const topped = await submit({ serial: card.serial, cardPin: card.pin });
    await look('topped-up', topped, ['充值¥50.00'], ['/wap/topup', '/wap']);

    await look(
      'transactions',
      await open('/wap/transactions'),
      ['明细', '-¥12.50', '-¥5.00', '+¥50.00'],
      ['/wap'],
    );
    expect(await walletBalance(rig.h, msisdn)).to.equal(13_250n);
    const paidOnce = await rig.h
      .db('commands')
      .where('key', 'like', `wap:${msisdn}:%`)
      .where({ type: 'payment' });
    expect(paidOnce.length).to.equal(1);
  });

  it('account: change PIN, change login password, freeze, unfreeze, log out – each page seen', async () => {
    const msisdn = await wallet();
    await logIn(msisdn);
    await look(
      'account',
      await open('/wap/account'),
      ['修改支付密码', '冻结', '解冻', '修改登录密码'],
      ['/wap/pin', '/wap/freeze', '/wap/unfreeze', '/wap/password', '/wap'],
    );
    await look('pin', await open('/wap/pin'), ['原支付密码', '新支付密码'], ['/wap']);
    const pinDone = await submit({ oldPin: TEST_PIN, newPin: '582047', again: '582047' });
    await look('pin-changed', pinDone, ['支付密码已修改'], ['/wap/pin', '/wap']);
    await look('password', await open('/wap/password'), ['原登录密码', '新登录密码'], ['/wap']);
    const pwDone = await submit({ oldPassword: PASSWORD, newPassword: 'n3wpass88', again: 'n3wpass88' });
    await look('password-changed', pwDone, ['登录密码已修改。'], ['/wap/password', '/wap']);
    await look('freeze', await open('/wap/freeze'), ['冻结天数'], ['/wap']);
    const frozen = await submit({ days: '7' });
    await look('frozen', frozen, ['钱包已冻结'], ['/wap/freeze', '/wap']);
    await look('unfreeze', await open('/wap/unfreeze'), ['6位支付密码'], ['/wap']);
    const thawed = await submit({ pin: '582047' });
    await look('unfrozen', thawed, ['已解冻'], ['/wap/unfreeze', '/wap']);
    await look('logout', await open('/wap/logout'), ['退出登录?'], ['/wap']);
    const out = await submit({});
    await look('logged-out', out, ['登录', '手机号'], ['/wap/open', '/wap/login?lang=en']);
    const after = await open('/wap');
    expect(new URL(page.url()).pathname).to.equal('/wap/login');
    expect(after).to.include('登录密码');
  });

  it('open a wallet, the terms, a refused form, markup typed in – each page seen', async () => {
    const stranger = newMsisdn();
    await look(
      'open',
      await open('/wap/open'),
      ['开通手机钱包', '用户协议'],
      ['/wap/terms?lang=zh-CN', '/wap/login'],
    );
    const refused = await submit({ msisdn: '<b>x</b>' });
    await look(
      'open-refused',
      refused,
      ['请输入11位手机号。', '请先同意用户协议。'],
      ['/wap/terms?lang=zh-CN', '/wap/login'],
    );
    expect(await page.inputValue('input[name="msisdn"]')).to.equal('<b>x</b>');
    const sent = await submit({ msisdn: stranger.slice(2), accept: 'check' });
    await look('open-sent', sent, ['回复A即开通'], ['/wap/login']);
    await waitFor(async () => rig.smsc.messages.some((m) => m.destination === stranger), 20_000);
    await look('terms', await open('/wap/terms?lang=zh-CN'), ['手机钱包用户协议', '一一对应'], []);
    const english = await open('/wap/login?lang=en');
    await look('login-en', english, ['Log in', 'Mobile number'], ['/wap/open', '/wap/login?lang=zh-CN']);
  });
});
