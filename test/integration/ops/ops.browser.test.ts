/**
 * The operator pages in a real browser (Debian's Chromium through `playwright-core`), against the real
 * queue, ledger and Redis: the login, the wall screen updating live as payments flow, and a failed job
 * retried and another removed from Bull Board. Screenshots are kept under `artifacts/ops/` (git-ignored).
 */
import { Queue, Worker } from 'bullmq';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freshArtifacts, launchChromium } from '../../helpers/browser.js';
import { createHarness, type Harness, newMsisdn, TEST_PIN } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/ledger.js';
import { OPS_TOKEN, startServer, type TestServer } from './server.js';

const ARTIFACTS = 'artifacts/ops';
const FLAKY = 'ops-browser-flaky';

describe('ops pages in Chromium: the wall screen and the queue dashboard', function () {
  this.timeout(120_000);
  let h: Harness;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let flaky: Queue;
  let worker: Worker;
  /** Jobs whose data says `failOnce` fail their first attempt only. */
  const attempts = new Map<string, number>();
  const outside: string[] = [];
  const problems: string[] = [];
  const merchant = `wall_${process.pid}`;

  before(async () => {
    freshArtifacts(ARTIFACTS);
    h = await createHarness();
    await h.merchant(merchant, '大屏小店');
    flaky = new Queue(FLAKY, { connection: h.redis, prefix: h.config.redisPrefix });
    worker = new Worker(
      FLAKY,
      async (job) => {
        const n = (attempts.get(job.id ?? '') ?? 0) + 1;
        attempts.set(job.id ?? '', n);
        if (n === 1) throw new Error('the first attempt fails');
        return 'done';
      },
      { connection: h.connection(), prefix: h.config.redisPrefix },
    );
    server = await startServer(h, { extraQueues: () => [flaky], wallPushMs: 300 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await worker?.close();
    await flaky?.close();
    await h?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url)) outside.push(req.url());
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
  });
  afterEach(async () => {
    await context?.close();
    expect(outside, 'requests to other origins').to.deep.equal([]);
    expect(problems, 'script errors or CSP violations').to.deep.equal([]);
  });

  let shot = 0;
  const keep = (name: string) =>
    page.screenshot({ path: `${ARTIFACTS}/${String(++shot).padStart(2, '0')}-${name}.png`, fullPage: true });

  async function logIn(path: string, name: string) {
    await page.goto(`${server.url}${path}`);
    expect(new URL(page.url()).pathname).to.equal('/ops/login');
    await keep('login');
    await page.fill('input[name="name"]', name);
    await page.fill('input[name="token"]', OPS_TOKEN);
    await Promise.all([page.waitForURL((url) => url.pathname === path), page.click('button[type="submit"]')]);
  }

  /** Bull Board asks before it retries or removes a job (您确定吗？): the operator confirms. */
  async function confirm(name: string) {
    await page.getByText('您确定吗').waitFor();
    await keep(name);
    await page.getByRole('button', { name: '确认', exact: true }).click();
  }

  const paidTotal = async () => Number(await page.locator('#paid-total').textContent());

  it('the wall screen – after a login, while payments flow – draws its charts and its counters follow the payments', async () => {
    await logIn('/ops', '值班员甲');
    const cookie = (await context.cookies()).find((c) => c.name === 'fen_ops');
    expect(cookie).to.include({ httpOnly: true, sameSite: 'Strict', path: '/ops' });
    await page.waitForFunction(() => Number(document.body.dataset.snapshots ?? 0) >= 1);
    expect(await page.locator('h1').textContent()).to.equal('运营监控大屏');
    expect(await page.locator('.uplot canvas').count()).to.equal(3);
    expect(await page.locator('#ledger').textContent()).to.equal('平衡');
    const before = await paidTotal();
    await keep('wall-before');

    const payer = await h.openWallet(newMsisdn(), 10_000n);
    for (const n of [1, 2, 3]) {
      const paid = await h.run('payment', {
        msisdn: payer,
        merchant,
        amount: '500',
        pin: TEST_PIN,
        reference: `w-${n}`,
      });
      expect(paid.ok, JSON.stringify(paid)).to.equal(true);
      await page.waitForFunction(
        (want) => Number(document.getElementById('paid-total')?.textContent) === want,
        before + n,
      );
    }
    expect(await paidTotal()).to.equal(before + 3);
    // The payments chart holds the same payments: its "paid" series adds up to the counter.
    const sums = await page.locator('#chart-payments').getAttribute('data-sums');
    expect(sums?.split(',').map(Number)[0]).to.equal(before + 3);
    await keep('wall-after-payments');

    await page.goto(`${server.url}/ops?lang=en`);
    await page.waitForFunction(() => Number(document.body.dataset.snapshots ?? 0) >= 1);
    expect(await page.locator('h1').textContent()).to.equal('Operations wall');
    expect(await paidTotal()).to.be.at.least(before + 3);
    await keep('wall-en');
    const audit = await server.ops('GET', '/api/audit?operator=值班员甲&action=ops.login');
    expect(audit.body.entries).to.have.length(1);
  });

  it('Bull Board – a failed job – is retried from the dashboard and completes, another is removed, both in the audit log', async () => {
    const retried = await flaky.add('retry-me', { n: 1 }, { attempts: 1 });
    const removed = await flaky.add('remove-me', { n: 2 }, { attempts: 1 });
    await waitFor(async () => (await flaky.getJobCounts('failed')).failed === 2);

    await logIn('/ops/queues', 'night-shift');
    await page.goto(`${server.url}/ops/queues/queue/${FLAKY}?status=failed`);
    await page.getByText('the first attempt fails').first().waitFor();
    await keep('board-failed');
    const card = (name: string) => page.locator('div[class^="card-"]').filter({ hasText: name });
    await card('retry-me').locator('button:has(svg.lucide-refresh-cw)').click();
    await confirm('board-retry-confirm');
    await waitFor(
      async () =>
        (await flaky.getJob(retried.id ?? ''))?.finishedOn !== undefined &&
        (await flaky.getJob(retried.id ?? ''))?.returnvalue === 'done',
    );
    expect(await (await flaky.getJob(retried.id ?? ''))?.getState()).to.equal('completed');

    await card('remove-me').locator('button:has(svg.lucide-trash-2)').click();
    await confirm('board-remove-confirm');
    await waitFor(async () => (await flaky.getJob(removed.id ?? '')) === undefined);
    await page.reload();
    await page.getByText('night-shift').count();
    await keep('board-after');
    expect(await flaky.getJobCounts('failed', 'completed')).to.deep.equal({ failed: 0, completed: 1 });

    const audit = (await server.ops('GET', '/api/audit?operator=night-shift')).body.entries;
    expect(
      audit.map((e: { action: string; target: string; outcome: string }) => [e.action, e.target, e.outcome]),
    ).to.deep.equal([
      ['job.remove', `${FLAKY}/${removed.id}`, 'ok'],
      ['job.retry', `${FLAKY}/${retried.id}`, 'ok'],
      ['ops.login', null, 'ok'],
    ]);
  });
});
