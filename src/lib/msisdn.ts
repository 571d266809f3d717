/** `13800138000`, `8613800138000`, `+8613800138000` and `008613800138000` are one user. */

import { toHalfWidth } from './money.js';

const CHINA_MOBILE = /^1[3-9]\d{9}$/;

/** The canonical form stored everywhere: country code 86 then the 11-digit number; null if not a mobile. */
export function normalizeMsisdn(raw: string): string | null {
  let digits = toHalfWidth(String(raw)).replace(/[\s-]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  else if (digits.startsWith('00')) digits = digits.slice(2);
  if (!/^\d+$/.test(digits)) return null;
  if (CHINA_MOBILE.test(digits)) return `86${digits}`;
  if (digits.startsWith('86') && CHINA_MOBILE.test(digits.slice(2))) return digits;
  return null;
}

/** The 11-digit national form people read and type. */
export function nationalMsisdn(canonical: string): string {
  return canonical.startsWith('86') ? canonical.slice(2) : canonical;
}
