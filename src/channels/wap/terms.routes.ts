/**
 * `GET /wap/terms`: the full user agreement the SMS, USSD and IVR openings point to. Plain HTML for a
 * 240-pixel feature-phone browser (no script, no images, well under 10 KB), in the language asked for
 * (`?lang=en`, else the `Accept-Language` header, else the gateway's default).
 */
import { Router } from 'express';
import type { Locale } from '../../../flows/texts/index.js';

const TERMS: Record<Locale, { title: string; items: string[] }> = {
  'zh-CN': {
    title: '手机钱包用户协议',
    items: [
      '钱包与本机号码一一对应,一个号码只能开通一个钱包。',
      '开通后系统以短信发送初始登录密码和6位支付密码,请尽快修改。支付密码连续输错3次,支付功能锁定24小时。',
      '钱包余额以人民币计,单笔支付不超过¥500,每日不超过¥1,000,您可自行调低限额。',
      '每一笔余额或状态变动都以短信通知您。',
      '您可随时冻结钱包(可设定自动解冻天数)、解冻或销户;余额不为零时不能销户,请先转出。',
      '商户退款、冲正(当日)和派奖按商户申请处理,均短信通知。',
      '发送BZ到10658888获取帮助。',
    ],
  },
  en: {
    title: 'Mobile wallet terms',
    items: [
      'One wallet per phone number, tied to this number.',
      'On opening we send an initial login password and a 6-digit payment PIN by SMS; change them soon. Three wrong PINs in a row lock payments for 24 hours.',
      'Balances are in CNY. A payment may not exceed ¥500 and a day ¥1,000; you may set lower limits.',
      'Every change of your balance or status is confirmed to you by SMS.',
      'You may freeze the wallet (optionally for a number of days), unfreeze it, or close it; a wallet with money in it cannot be closed, move the money out first.',
      'Merchant refunds, same-day reversals and prize payouts are made at the merchant’s request and confirmed by SMS.',
      'Text BZ to 10658888 for help.',
    ],
  },
};

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export function termsPage(locale: Locale): string {
  const { title, items } = TERMS[locale];
  return `<!DOCTYPE html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><ol>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ol></body></html>`;
}

export function termsRoutes(defaultLocale: Locale): Router {
  const router = Router();
  router.get('/wap/terms', (req, res) => {
    const asked = typeof req.query.lang === 'string' ? req.query.lang : '';
    const locale: Locale =
      asked === 'en' || asked === 'zh-CN'
        ? asked
        : (req.acceptsLanguages('zh-CN', 'zh', 'en') || '').startsWith('zh')
          ? 'zh-CN'
          : req.acceptsLanguages('en')
            ? 'en'
            : defaultLocale;
    res.type('html').send(termsPage(locale));
  });
  return router;
}
