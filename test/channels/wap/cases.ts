/**
 * The WAP channel's case table for the conformance suite: what a form post normalizes to (or why it is
 * refused), each screen as the page it renders to (written out here as the markup a 240-pixel browser
 * gets: title, numbered links with their `accesskey`, a one-field form, paragraphs), the send errors,
 * and the replay: one payment form posted twice under its key answers the same redirect and pays once.
 */
import { createHash } from 'node:crypto';
import { type WapInbound, type WapRaw, wapRoutes } from '../../../src/channels/wap/index.js';
import { channelDepsOf } from '../../helpers/channel-rig.js';
import { TEST_PIN } from '../../helpers/harness.js';
import { startServer } from '../../integration/ops/server.js';
import type { ConformanceCases } from '../conformance.js';
import { PASSWORD, WapClient, wapWallet } from './wap-client.js';

const TOKEN = 'T'.repeat(43);
const CSRF = 'C'.repeat(43);
const KEY = 'K'.repeat(22);
const session = { token: TOKEN, msisdn: '8613800138000', csrf: CSRF };
const SID = createHash('sha256').update(TOKEN).digest('base64url').slice(0, 16);

/** An expected `Inbound`, with the form and its fields. */
const inbound = (value: WapInbound) => value;

/** A page as the layout writes it. */
const page = (lang: string, title: string, body: string) =>
  `<!DOCTYPE html>\n<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><link rel="stylesheet" href="/wap/style.css"></head>\n<body>\n<h1>${title}</h1>\n${body}</body></html>\n`;
const menu = (items: [string, string][]) =>
  `<ol class="menu">${items.map(([k, l]) => `<li><a href="?o=${k}" accesskey="${k}">${k}. ${l}</a></li>`).join('')}</ol>\n`;
const paragraphs = (lines: string[]) => lines.map((l) => `<p>${l}</p>\n`).join('');

export const conformance: ConformanceCases<WapRaw> = {
  inbound: [
    {
      name: 'a payment form',
      raw: {
        path: '/wap/pay',
        body: { csrf: CSRF, formKey: KEY, merchant: '2001', amount: '12.5', pin: '135790' },
        session,
      },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'SELECT', id: 'pay' },
        request: KEY,
        form: 'pay',
        fields: { merchant: '2001', amount: '12.5', pin: '135790' },
      }),
    },
    {
      name: 'a login form before any login, the number in its national form',
      raw: {
        path: '/wap/login',
        body: { csrf: CSRF, formKey: KEY, msisdn: '13800138000', password: 'kt7m2xq9' },
        session: { ...session, msisdn: null },
      },
      expect: inbound({
        msisdn: '8613800138000',
        sessionId: SID,
        input: { type: 'SELECT', id: 'login' },
        request: KEY,
        form: 'login',
        fields: { msisdn: '13800138000', password: 'kt7m2xq9' },
      }),
    },
    {
      name: 'no CSRF token',
      raw: { path: '/wap/pay', body: { formKey: KEY, amount: '1' }, session },
      expect: { rejected: "the form's CSRF token is missing or not this session's", status: 403 },
    },
    {
      name: 'another session’s CSRF token',
      raw: { path: '/wap/pay', body: { csrf: 'D'.repeat(43), formKey: KEY }, session },
      expect: { rejected: "the form's CSRF token is missing or not this session's", status: 403 },
    },
    {
      name: 'no session',
      raw: { path: '/wap/pay', body: { csrf: CSRF, formKey: KEY }, session: null },
      expect: { rejected: 'no session: log in first', status: 401 },
    },
    {
      name: 'a payment before login',
      raw: { path: '/wap/pay', body: { csrf: CSRF, formKey: KEY }, session: { ...session, msisdn: null } },
      expect: { rejected: 'no session: log in first', status: 401 },
    },
    {
      name: 'a form key not of ours',
      raw: { path: '/wap/pay', body: { csrf: CSRF, formKey: '../x' }, session },
      expect: { rejected: 'the form has no key of ours', status: 400 },
    },
    {
      name: 'a path that is no form',
      raw: { path: '/wap/nothing', body: {}, session },
      expect: { rejected: '/wap/nothing is not a WAP form', status: 404 },
    },
  ],
  sendErrors: [{ name: 'a bug', error: new TypeError('x is undefined'), retryable: false, throttled: false }],
  rendered: {
    'a menu': [
      page(
        'en',
        'Mobile wallet',
        menu([
          ['1', 'Balance'],
          ['2', 'Top up'],
          ['3', 'Pay'],
          ['4', 'Transfer'],
          ['5', 'Last transactions'],
          ['6', 'My account'],
          ['7', 'Help'],
          ['0', 'Exit'],
        ]),
      ),
    ],
    'a Chinese menu': [
      page(
        'zh-CN',
        '手机钱包',
        menu([
          ['1', '余额'],
          ['0', '退出'],
        ]),
      ),
    ],
    'a PIN prompt': [
      page(
        'en',
        'Mobile wallet',
        '<form method="post" action="">\n<input type="hidden" name="csrf" value=""><input type="hidden" name="formKey" value="">\n<p><label for="text">Enter your 6-digit PIN:</label><br><input type="password" id="text" name="text" value="" maxlength="6" inputmode="numeric" autocomplete="off"></p>\n<p><input type="submit" value="OK"></p>\n</form>\n',
      ),
    ],
    'a final message': [
      page('en', 'Mobile wallet', paragraphs(['You paid ¥12.50 to Corner Shop. Balance ¥87.50.'])),
    ],
    'a message that goes on': [page('en', 'Mobile wallet', paragraphs(['Noted.']))],
    'a long English list': [
      page(
        'en',
        'Mobile wallet',
        paragraphs([
          'Last transactions:',
          ...Array.from(
            { length: 12 },
            (_, i) => `12-${String(i + 1).padStart(2, '0')} -¥1${i}.50 Corner Shop`,
          ),
        ]),
      ),
    ],
    'a long Chinese list': [
      page(
        'zh-CN',
        '手机钱包',
        paragraphs([
          '最近交易:',
          ...Array.from({ length: 9 }, (_, i) => `12-0${i + 1} 向街角小店支付¥1${i}.50元`),
        ]),
      ),
    ],
    'one line longer than any page': [page('zh-CN', '手机钱包', paragraphs(['支付'.repeat(120)]))],
  },
  async replay(h) {
    const server = await startServer(h, { routers: [wapRoutes(channelDepsOf(h))] });
    try {
      const msisdn = await wapWallet(h);
      await h.merchant('W3001', 'Corner Shop');
      const client = new WapClient(server);
      await client.login(msisdn, PASSWORD);
      const form = await client.get('/wap/pay');
      const body = { ...WapClient.hidden(form.html), merchant: 'W3001', amount: '1', pin: TEST_PIN };
      const answers: string[] = [];
      for (let i = 0; i < 2; i++) {
        const posted = await client.post('/wap/pay', body);
        answers.push(`${posted.status} ${posted.location}`);
      }
      const effects = (
        await h.db('commands').where('key', 'like', `wap:${msisdn}:%`).where({ type: 'payment' })
      ).length;
      return { answers: answers as [string, string], effects };
    } finally {
      await server.close();
    }
  },
};
