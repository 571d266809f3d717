/**
 * The WAP benchmark (spec/BENCH.md): `wap.page`, p99 of one WAP page (`GET /wap`, the home page: the
 * session read from Redis behind its cookie, the balance from the ledger, the page rendered by eta) with
 * 200 logged-in sessions at once, against `http.noop_wap` (bench/noop-server.ts's `GET /wap`, a fixed
 * page of the same size, no middleware; the same 200 connections, cookies and load tool) measured right
 * before and right after.
 *
 * The gateway is bench/ussd.ts's: a child process on a database and Redis prefix of its own with 10,000
 * seeded wallets (login password `bench-login`). Before the clock, 200 of them log in through the pages as
 * a browser does (the login form's CSRF token and form key, the post, the cookie it sets); the load is
 * autocannon in a child process of its own (bench/wap-load.ts), a closed loop, each connection one
 * session. CPU is read from `/proc` over the measured window.
 */
import { type Benchmark, cpuPerOperationOf } from './lib.js';
import type { WapLoadSpec } from './wap-load.js';
import {
  checkLoad,
  cpuText,
  type Gateway,
  mismatchText,
  noopReference,
  runLoadScript,
  stepWarmup,
  type Target,
  ussdSeconds,
  withGateway,
  MSISDN_BASE,
  SCREEN_CONNECTIONS as CONNECTIONS,
} from './ussd.js';

const LOGIN_PASSWORD = 'bench-login';
/** The home page's balance line (the seeded wallets are Chinese); the noop page says it too. */
const EXPECT = '余额 ¥';

/** Logs `count` seeded wallets in through the login form, `parallel` at a time; their cookies. */
async function logIn(gateway: Gateway, count: number, parallel = 20): Promise<string[]> {
  const cookies: string[] = [];
  const one = async (i: number) => {
    const form = await fetch(`${gateway.url}/wap/login`);
    const cookie = (form.headers.getSetCookie().find((c) => c.startsWith('wap_sid=')) ?? '').split(';')[0];
    const html = await form.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    const formKey = /name="formKey" value="([^"]+)"/.exec(html)?.[1];
    if (!cookie || !csrf || !formKey) throw new Error(`the login page has no form: ${html.slice(0, 300)}`);
    const posted = await fetch(`${gateway.url}/wap/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({
        csrf,
        formKey,
        msisdn: String(MSISDN_BASE + 1 + i).slice(2),
        password: LOGIN_PASSWORD,
      }).toString(),
    });
    const session = (posted.headers.getSetCookie().find((c) => c.startsWith('wap_sid=')) ?? '').split(';')[0];
    if (posted.status !== 303 || posted.headers.get('location') !== '/wap' || !session)
      throw new Error(`login of wallet ${i} got ${posted.status} ${posted.headers.get('location')}`);
    cookies[i] = session;
  };
  for (let i = 0; i < count; i += parallel)
    await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, (_, k) => one(i + k)));
  return cookies;
}

function runWapLoad(target: Target, spec: Omit<WapLoadSpec, 'url' | 'expect'>) {
  return runLoadScript('bench/wap-load.ts', target, { url: target.url, expect: EXPECT, ...spec });
}

/** Cookies the noop server is sent: the same shape as the gateway's (it reads none). */
const noopCookies = () =>
  Array.from({ length: CONNECTIONS }, (_, i) => `wap_sid=${String(i).padStart(43, 'n')}`);

export const httpNoopWap = noopReference(
  'http.noop_wap',
  'GET /wap → a fixed text/html page',
  `${CONNECTIONS} connections closed loop, each with a session cookie`,
  (target, seconds) =>
    runWapLoad(target, { scenario: 'noop', cookies: noopCookies(), seconds, warmupSeconds: stepWarmup() }),
);

export const wapPage: Benchmark = {
  name: 'wap.page',
  around: ['http.noop_wap'],
  run: async () => {
    const seconds = ussdSeconds();
    const r = await withGateway('wap.page', async (gateway) => {
      const cookies = await logIn(gateway, CONNECTIONS);
      return runWapLoad(gateway, { scenario: 'page', cookies, seconds, warmupSeconds: stepWarmup() });
    });
    checkLoad('wap.page', r, ['page']);
    const l = r.kinds.page;
    return [
      {
        name: 'wap.page',
        value: l.p99,
        unit: 'ms p99',
        referenceName: 'http.noop_wap',
        aim: '<= 3.0',
        serverCpu: cpuPerOperationOf(r.cpu, r.requestsPerSecond, 'gateway'),
        note:
          `p50 ${l.p50} p90 ${l.p90} max ${l.max} ms; gateway child process, ${CONNECTIONS} logged-in WAP ` +
          `sessions at once (logged in through the form before the clock; autocannon closed loop, one ` +
          `connection a session), each GET /wap again and again (session from Redis, balance from the ` +
          `ledger, eta page; every answer checked for its balance line); warm-up ${stepWarmup()} s; ` +
          `${r.requestsPerSecond} pages/s in ${seconds} s; ` +
          `${cpuText(r.cpu, r.requestsPerSecond, 'page')}${mismatchText(r)}`,
      },
    ];
  },
};
