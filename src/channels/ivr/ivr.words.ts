/**
 * Amounts in words of the caller's language, for the ear (INTERFACES §5): `1250n` is 十二元五角 in
 * Mandarin and "twelve yuan fifty" in English. The numbers themselves come from well-kept libraries
 * (`nzh` for Chinese, `to-words` for English), fed the yuan as a decimal string or a safe integer, never
 * a float; only the units around them are ours.
 * - Chinese: 元/角/分 as a cashier says them (`nzh`'s small numerals, 十 not 一十), zero is 零元.
 * - English: "<yuan> yuan <fen>" ("twelve yuan fifty"), "<fen> fen" below a yuan, and "<yuan> yuan
 *   <n> fen" for 1-9 fen, so ¥12.05 is never heard as ¥12.50.
 */
import Nzh from 'nzh';
import { ToWords } from 'to-words';
import type { Locale } from '../../../flows/texts/index.js';
import { formatYuan } from '../../lib/index.js';

/** Chinese small numerals with the money units and no 人民币 prefix. */
const chinese = new Nzh({ ...Nzh.langs.s, m_t: '', m_z: '', m_u: '元角分' });
const english = new ToWords({ localeCode: 'en-US' });

/** A whole number, 0 ≤ n, in English words, lower case ("one thousand two hundred"). */
function englishNumber(n: bigint): string {
  // Every amount the product handles (parseYuan allows 9 digits of yuan) is a safe integer.
  return english.convert(Number(n)).toLowerCase();
}

/** `fen` (≥ 0) in words of `locale`. */
export function amountWords(fen: bigint, locale: Locale): string {
  if (fen < 0n) throw new RangeError('a negative amount has no words here: say its sign first');
  const yuan = fen / 100n;
  const cents = fen % 100n;
  if (locale === 'zh-CN') {
    if (fen === 0n) return '零元';
    return chinese.toMoney(formatYuan(fen), { outSymbol: false, tenMin: true });
  }
  if (cents === 0n) return `${englishNumber(yuan)} yuan`;
  if (yuan === 0n) return `${englishNumber(cents)} fen`;
  const tail = cents < 10n ? `${englishNumber(cents)} fen` : englishNumber(cents);
  return `${englishNumber(yuan)} yuan ${tail}`;
}
