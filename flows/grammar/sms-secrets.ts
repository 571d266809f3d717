/**
 * The secrets an MO can hold, as the grammar reads it (INTERFACES §9: an MO is kept with its PIN masked
 * once processed). `maskSecrets` finds the keyword and the arguments the way `parseSms` does (the same
 * folding of full-width characters, the same keywords in letters or Chinese, the same separators) and
 * writes `*` over every digit of each secret argument, one `*` for each digit, leaving every other
 * character of the text as the user typed it:
 * - `GM old new` (改密): every argument (a user may type the new PIN twice);
 * - `JD <PIN>` (解冻): every argument;
 * - `CZ <card> <pin>` (充值): every argument after the card serial (the serial is not secret);
 * - `ZF <merchant> <amount> …` (支付), `ZZ <msisdn> <amount> …` (转账): whatever follows the amount (a
 *   PIN appended to the command);
 * - a bare number of 4–12 digits (a PIN, or a mistyped one);
 * - two numbers, the first of 1–2 digits (`<n> <PIN>`, confirming merchant payment request n): the second.
 * Any other text comes back unchanged. Masking is idempotent, and never throws: should reading fail, every
 * digit is masked.
 */
import { FULL_STOPS, fold, matchKeyword, SEPARATOR } from './sms-grammar.js';

/** The arguments after the keyword from which on everything is secret (none: no secret argument). */
const SECRET_FROM: Partial<Record<string, number>> = {
  changePin: 0,
  unfreeze: 0,
  topup: 1,
  pay: 2,
  transfer: 2,
};

const TOKEN = new RegExp(`(?:(?!${SEPARATOR}).)+`, 'gsu');
const DIGIT = /[0-9]/;
const ANY_DIGIT = /[0-9\uFF10-\uFF19]/g;

interface Token {
  /** The token in the folded text. */
  text: string;
  /** Where it starts in the folded text. */
  at: number;
}

/** The text with every secret digit string the grammar knows replaced by `*` of the same length. */
export function maskSecrets(text: string): string {
  if (typeof text !== 'string' || text === '') return text;
  try {
    return mask(text);
  } catch {
    // Not expected (the unit tests look for it): masking too much beats keeping a PIN.
    return text.replace(ANY_DIGIT, '*');
  }
}

function mask(text: string): string {
  // The folded text, and for each of its units the unit of `text` it came from.
  let folded = fold(text);
  let origin: number[] | null = null;
  if (folded.length !== text.length) {
    origin = [];
    const units: string[] = [];
    for (let i = 0; i < text.length; i++) {
      const unit = fold(text[i]);
      if (unit === '') continue;
      units.push(unit);
      origin.push(i);
    }
    folded = units.join('');
  }
  const tokens: Token[] = [];
  for (const m of folded.matchAll(TOKEN)) tokens.push({ text: m[0], at: m.index });
  const secret = secretTokens(folded, tokens);
  if (!secret.length) return text;

  const out = text.split('');
  for (const t of secret) {
    for (let k = 0; k < t.text.length; k++) {
      if (DIGIT.test(t.text[k])) out[origin ? origin[t.at + k] : t.at + k] = '*';
    }
  }
  return out.join('');
}

/** The tokens holding secrets: arguments of a keyword, or a message that is only a PIN. */
function secretTokens(folded: string, tokens: Token[]): Token[] {
  if (!tokens.length) return [];
  const start = tokens[0].at;
  const hit = matchKeyword(folded.slice(start));
  if (hit) {
    const from = SECRET_FROM[hit.spec.kind];
    if (from === undefined) return [];
    // The keyword may run into its first argument (`GM302675`, `改密302675`): that token is split there.
    const keywordEnd = start + (folded.length - start - hit.rest.length);
    const args = tokens.flatMap((t): Token[] => {
      const end = t.at + t.text.length;
      if (end <= keywordEnd) return [];
      if (t.at >= keywordEnd) return [t];
      return [{ text: folded.slice(keywordEnd, end), at: keywordEnd }];
    });
    return args.slice(from);
  }
  const last = (t: Token) => t.text.replace(FULL_STOPS, '');
  if (tokens.length === 1 && /^\d{4,12}$/.test(last(tokens[0]))) return tokens;
  if (tokens.length === 2 && /^\d{1,2}$/.test(tokens[0].text) && /^\d+$/.test(last(tokens[1])))
    return [tokens[1]];
  return [];
}
