/** The message catalog: `text(locale, key, params)` fills `{name}` placeholders; money is formatted `¥12.50`. */
import { formatYuan, type Locale } from '../../src/lib/index.js';
import { en } from './en.js';
import { type TextKey, zhCN } from './zh-CN.js';

export type { Locale };
export type { TextKey };

const catalogs: Record<Locale, Record<TextKey, string>> = { 'zh-CN': zhCN, en };

export function text(
  locale: string,
  key: TextKey,
  params: Record<string, string | bigint | number> = {},
): string {
  const catalog = catalogs[locale as Locale] ?? zhCN;
  return catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'bigint' ? money(value) : String(value);
  });
}

/** `1250n` → `¥12.50`. */
export function money(fen: bigint): string {
  return `¥${formatYuan(fen)}`;
}
