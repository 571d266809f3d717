/**
 * A small no-JavaScript browser for the WAP tests: it keeps the session cookie, follows redirects by
 * itself (so a test sees each 303 and where it points), and fills a page's form as a user would: the
 * hidden CSRF token and form key from the page, the fields the test types.
 */
import { hashSecret } from '../../../src/lib/index.js';
import { type Harness, newMsisdn } from '../../helpers/harness.js';
import type { TestServer } from '../../integration/ops/server.js';

export interface Page {
  status: number;
  html: string;
  location: string | null;
  headers: Headers;
}

export class WapClient {
  cookie = '';

  constructor(readonly server: TestServer) {}

  private keep(res: Response) {
    const set = res.headers.getSetCookie().find((c) => c.startsWith('wap_sid='));
    if (set) this.cookie = set.split(';')[0];
  }

  /** A request with the session's cookie; redirects are not followed, so a test sees each 303. */
  private async send(path: string, init: { method?: string; body?: string; cookie?: string } = {}) {
    const cookie = init.cookie ?? this.cookie;
    const res = await fetch(`${this.server.url}${path}`, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        ...(cookie ? { cookie } : {}),
      },
      body: init.body,
    });
    this.keep(res);
    const page: Page = {
      status: res.status,
      html: await res.text(),
      location: res.headers.get('location'),
      headers: res.headers,
    };
    return page;
  }

  get(path: string): Promise<Page> {
    return this.send(path);
  }

  /** Posts `fields` as a form, urlencoded, exactly as given (the test adds or leaves out the hidden ones). */
  post(path: string, fields: Record<string, string>, cookie = this.cookie): Promise<Page> {
    return this.send(path, { method: 'POST', body: new URLSearchParams(fields).toString(), cookie });
  }

  /** The hidden fields of the page's form. */
  static hidden(html: string): { csrf: string; formKey: string } {
    const csrf = /name="csrf" value="([^"]*)"/.exec(html)?.[1];
    const formKey = /name="formKey" value="([^"]*)"/.exec(html)?.[1];
    if (!csrf || !formKey) throw new Error(`no form on the page:\n${html}`);
    return { csrf, formKey };
  }

  /** Opens `path`, fills its form with `fields` and posts it; the reply (a 303 when it ran). */
  async submit(path: string, fields: Record<string, string>): Promise<Page> {
    const page = await this.get(path);
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.location ?? ''}`);
    return this.post(path.split('?')[0], { ...WapClient.hidden(page.html), ...fields });
  }

  /** Submits and follows the redirect: the page the user sees next. */
  async through(path: string, fields: Record<string, string>): Promise<Page> {
    const posted = await this.submit(path, fields);
    if (posted.status !== 303 || !posted.location) return posted;
    return this.get(posted.location);
  }

  async login(msisdn: string, password: string): Promise<Page> {
    return this.through('/wap/login', { msisdn: msisdn.slice(2), password });
  }
}

/** The text of a page with its tags taken out and entities read, for assertions about what a user reads. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The login password the WAP tests' wallets are given. */
export const PASSWORD = 'kt7m2xq9';

/** A wallet of ¥100.00 (its PIN the harness's) whose login password is `PASSWORD`, in `locale` when given. */
export async function wapWallet(h: Harness, locale?: 'en' | 'zh-CN'): Promise<string> {
  const msisdn = await h.openWallet(newMsisdn(), 10_000n);
  await h
    .db('users')
    .where({ msisdn })
    .update({ login_hash: await hashSecret(PASSWORD), ...(locale ? { locale } : {}) });
  return msisdn;
}
