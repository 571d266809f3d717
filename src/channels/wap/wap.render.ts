/**
 * A flow's screen as a WAP page (the seam's `render`): a menu is its title and numbered links (the
 * number is the link's `accesskey`, as on USSD), a prompt a one-field form, a message its lines. The
 * whole screen is one page; nothing is cut, since a page holds far more than any screen says.
 */
import type { Locale } from '../../../flows/texts/index.js';
import type { Screen } from '../channel.js';
import { formPage, PAGE_MAX_BYTES, plainPage } from './wap.views.js';
import { wapText } from './wap.texts.js';

const HAN = /\p{Script=Han}/u;
const localeOf = (value: string): Locale => (HAN.test(value) ? 'zh-CN' : 'en');
const linesOf = (value: string) => value.split('\n').filter((l) => l.trim() !== '');

export function renderScreen(screen: Screen): string[] {
  if (screen.kind === 'menu') {
    const [title = '', ...rest] = linesOf(screen.title);
    return [
      plainPage({
        lang: localeOf(screen.title),
        title,
        lines: rest.map((text) => ({ text })),
        menu: screen.options.map((o) => ({
          key: o.id,
          href: `?o=${encodeURIComponent(o.id)}`,
          label: o.label,
        })),
      }),
    ];
  }
  const lang = localeOf(screen.text);
  if (screen.kind === 'prompt')
    return [
      formPage({
        lang,
        title: wapText(lang, 'app.title'),
        action: '',
        csrf: '',
        formKey: '',
        fields: [
          {
            name: 'text',
            label: screen.text,
            type: screen.input.hidden ? 'password' : 'text',
            max: screen.input.maxLength,
            numeric: screen.input.digitsOnly,
          },
        ],
        submit: 'OK',
      }),
    ];
  return [
    plainPage({
      lang,
      title: wapText(lang, 'app.title'),
      lines: linesOf(screen.text).map((text) => ({ text })),
    }),
  ];
}

/** A page fits when it is under 10 KB and holds no script. */
export const fitsPage = (page: string): boolean =>
  page.length > 0 && Buffer.byteLength(page) < PAGE_MAX_BYTES && !/<script/i.test(page);
