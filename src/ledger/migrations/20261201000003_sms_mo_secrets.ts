/**
 * Nothing secret in clear at rest in `sms_mo` (INTERFACES §9). From here on an MO's text is sealed until
 * it is processed and then kept with its PINs masked (the channel does both); this migration:
 * - adds `over_limit`: the MO came past `SMS_MO_PER_MINUTE` of its number, decided in the statement that
 *   stores it and kept on the row, so an MO run again after a crash is judged the same way;
 * - indexes `(msisdn, received_at)`, which that statement counts a number's last minute by;
 * - masks the rows processed before, which hold their texts in clear: a whole message with the grammar's
 *   `maskSecrets` (a frozen copy below); a part of a concatenated message with every digit masked, since
 *   a part alone may hold half a PIN that the grammar cannot see (the parts of one old message cannot be
 *   told apart from those of another that reused its reference). MOs not yet processed are left in clear: the key they would be
 *   sealed under is not the migration's to hold, and the channel masks them once it answers them.
 * Masking cannot be undone: `down` drops the column and the index only.
 */
import type { Knex } from 'knex';
import { pgArray } from '../../lib/index.js';

const CHUNK = 1000;
const DIGITS = /[0-9\uFF10-\uFF19]/g;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_mo', (t) => {
    t.boolean('over_limit').notNullable().defaultTo(false);
    t.index(['msisdn', 'received_at'], 'sms_mo_msisdn_received');
  });
  await maskProcessedMos(knex);
}

/** Masks the processed MOs with an id above `afterId` that still hold digits, a chunk at a time. */
export async function maskProcessedMos(knex: Knex, afterId = '0'): Promise<void> {
  let after = afterId;
  for (;;) {
    const rows: { id: string; text: string; part: boolean }[] = (
      await knex.raw(
        `SELECT id::text AS id, text, concat_ref IS NOT NULL AS part FROM sms_mo
          WHERE id > ? AND status = 'processed' AND text ~ '[0-9０-９]'
          ORDER BY id LIMIT ?`,
        [after, CHUNK],
      )
    ).rows;
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    const changed = rows
      .map((r) => ({ id: r.id, text: r.part ? r.text.replace(DIGITS, '*') : maskSecrets(r.text) }))
      .filter((r, i) => r.text !== rows[i].text);
    if (changed.length)
      await knex.raw(
        `UPDATE sms_mo s SET text = m.text
           FROM unnest(?::bigint[], ?::text[]) AS m(id, text)
          WHERE s.id = m.id`,
        [pgArray(changed.map((r) => r.id)), pgArray(changed.map((r) => r.text))],
      );
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_mo', (t) => {
    t.dropIndex(['msisdn', 'received_at'], 'sms_mo_msisdn_received');
    t.dropColumn('over_limit');
  });
}

// Frozen copy of flows/grammar's maskSecrets: a migration must do what it did, whatever the grammar becomes.

/** Each keyword (letters, Chinese words) and the argument from which on everything is secret (-1: none). */
const KEYWORDS: readonly { letters: string[]; words: string[]; secretFrom: number }[] = [
  { letters: ['KT'], words: ['开通'], secretFrom: -1 },
  { letters: ['A'], words: ['确认'], secretFrom: -1 },
  { letters: ['QX'], words: ['取消'], secretFrom: -1 },
  { letters: ['YE'], words: ['余额'], secretFrom: -1 },
  { letters: ['MX'], words: ['明细'], secretFrom: -1 },
  { letters: ['CZ'], words: ['充值'], secretFrom: 1 },
  { letters: ['ZF'], words: ['支付'], secretFrom: 2 },
  { letters: ['ZZ'], words: ['转账', '转帐'], secretFrom: 2 },
  { letters: ['GM'], words: ['改密码', '改密'], secretFrom: 0 },
  { letters: ['DJ'], words: ['冻结'], secretFrom: -1 },
  { letters: ['JD'], words: ['解冻'], secretFrom: 0 },
  { letters: ['XH'], words: ['销户'], secretFrom: -1 },
  { letters: ['BZ', 'HELP'], words: ['帮助'], secretFrom: -1 },
];
const BY_LETTERS = new Map(KEYWORDS.flatMap((k) => k.letters.map((l) => [l, k] as const)));
const BY_WORD = KEYWORDS.flatMap((k) => k.words.map((w) => [w, k] as const)).sort(
  (a, b) => b[0].length - a[0].length,
);
const SEPARATOR = '[\\s,#*;、]';
const TOKEN = new RegExp(`(?:(?!${SEPARATOR}).)+`, 'gsu');
const FULL_STOPS = /[.。]+$/;
const ZERO_WIDTH = /\u00AD|\u200B|\u200C|\u200D|\u2060|\uFEFF/g;
const CONTROL = /\p{Cc}/gu;

interface Token {
  text: string;
  at: number;
}

/** Each UTF-16 unit becomes one unit or none, so positions map back to the original text. */
function fold(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .replace(ZERO_WIDTH, '')
    .replace(CONTROL, ' ')
    .replace(/\uFF61/g, '。');
}

function maskSecrets(text: string): string {
  if (typeof text !== 'string' || text === '') return text;
  try {
    return mask(text);
  } catch {
    return text.replace(DIGITS, '*');
  }
}

function mask(text: string): string {
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
  const out = text.split('');
  for (const t of secretTokens(folded, tokens)) {
    for (let k = 0; k < t.text.length; k++) {
      if (/[0-9]/.test(t.text[k])) out[origin ? origin[t.at + k] : t.at + k] = '*';
    }
  }
  return out.join('');
}

function matchKeyword(s: string): { secretFrom: number; rest: string } | null {
  for (const [word, k] of BY_WORD)
    if (s.startsWith(word)) return { secretFrom: k.secretFrom, rest: s.slice(word.length) };
  const letters = /^[A-Za-z]+/.exec(s);
  const k = letters && BY_LETTERS.get(letters[0].toUpperCase());
  return letters && k ? { secretFrom: k.secretFrom, rest: s.slice(letters[0].length) } : null;
}

function secretTokens(folded: string, tokens: Token[]): Token[] {
  if (!tokens.length) return [];
  const start = tokens[0].at;
  const hit = matchKeyword(folded.slice(start));
  if (hit) {
    if (hit.secretFrom < 0) return [];
    const keywordEnd = start + (folded.length - start - hit.rest.length);
    const args = tokens.flatMap((t): Token[] => {
      const end = t.at + t.text.length;
      if (end <= keywordEnd) return [];
      if (t.at >= keywordEnd) return [t];
      return [{ text: folded.slice(keywordEnd, end), at: keywordEnd }];
    });
    return args.slice(hit.secretFrom);
  }
  const last = (t: Token) => t.text.replace(FULL_STOPS, '');
  if (tokens.length === 1 && /^\d{4,12}$/.test(last(tokens[0]))) return tokens;
  if (tokens.length === 2 && /^\d{1,2}$/.test(tokens[0].text) && /^\d+$/.test(last(tokens[1])))
    return [tokens[1]];
  return [];
}
