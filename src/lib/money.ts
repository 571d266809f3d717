/** Money is integer fen (1/100 yuan) as `bigint`, from the user's keystrokes to the database. */

const YUAN = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** Full-width digits and point (what Chinese IMEs type) folded to ASCII. */
export function toHalfWidth(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ');
}

/** Parses what a user types in yuan (`12`, `12.5`, `12.50`, `１２.５`) into fen; null when it is not an amount. */
export function parseYuan(text: string): bigint | null {
  const match = YUAN.exec(toHalfWidth(text.trim()).replace(/[。．]/g, '.'));
  if (!match) return null;
  const fen = BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  return fen > 0n ? fen : null;
}

/** `1250n` → `12.50` (the sign kept, no currency symbol). */
export function formatYuan(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Reads a fen amount from JSON (a safe integer or a digit string) without ever passing through a float. */
export function fenFromJson(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,18}$/.test(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  return null;
}

/** For JSON output: fen as a number while it is exact (every amount this product allows is). */
export function fenToJson(fen: bigint): number | string {
  return fen <= BigInt(Number.MAX_SAFE_INTEGER) && fen >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(fen)
    : fen.toString();
}
