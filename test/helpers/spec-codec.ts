/**
 * The test SMSC's own SMS codec, written from the specifications and sharing nothing with the gateway's
 * (src/channels/smpp/smpp.codec.ts, src/lib/gsm7.ts), so that what the gateway writes is read, and what it reads is
 * written, by an independent hand:
 *
 * - 3GPP TS 23.038 §6.2.1: the GSM 7-bit default alphabet; §6.2.1.1: its extension table, reached through
 *   the escape 0x1B. SMPP 3.4 carries data_coding 0 unpacked, one septet an octet (the SMSC packs for the air).
 * - data_coding 8: UCS2, 16-bit code units big-endian; data_coding 3: Latin-1 (ISO 8859-1); 1: IA5 (ASCII).
 * - 3GPP TS 23.040 §9.2.3.24: the user data header (UDHL, then IEI, IEDL, data for each element), present
 *   when esm_class has the UDHI bit 0x40; §9.2.3.24.1 concatenation with an 8-bit reference (IEI 0x00:
 *   ref, total, seq) and §9.2.3.24.8 with a 16-bit reference (IEI 0x08: ref high, ref low, total, seq).
 *
 * Encoders refuse what the coding cannot carry (a RangeError: a test asking for it is wrong); decoders never
 * throw and show an octet they cannot read as U+FFFD, so a wrong byte fails the test's text comparison.
 */
import { randomInt } from 'node:crypto';
import type { MessageOctets, SmscCodec } from '../../src/channels/smpp/smsc-simulator.js';

/** A concatenation IE's content: the reference shared by the parts, how many there are, this one's place. */
export interface Concat {
  ref: number;
  total: number;
  seq: number;
}

const ESC = 0x1b;
const UDHI = 0x40;
const REPLACEMENT = '\ufffd';

/**
 * TS 23.038 §6.2.1, column by column (bits 7-5 of the septet the column, bits 4-1 the row). `null` is 0x1B,
 * the escape to the extension table. The Greek capitals of column 1 (Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ) are written as
 * code points, so that no Latin look-alike slips in.
 */
// biome-ignore format: the specification's table, one column a line
const DEFAULT_ALPHABET: ReadonlyArray<string | null> = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  '\u0394', '_', '\u03a6', '\u0393', '\u039b', '\u03a9', '\u03a0', '\u03a8', '\u03a3', '\u0398', '\u039e', null, 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** TS 23.038 §6.2.1.1: the characters of the extension table, by the septet that follows the escape. */
const EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'], // page break
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const DEFAULT_BY_CHAR = new Map<string, number>();
for (const [septet, ch] of DEFAULT_ALPHABET.entries()) if (ch !== null) DEFAULT_BY_CHAR.set(ch, septet);
const EXTENSION_BY_CHAR = new Map<string, number>([...EXTENSION_TABLE].map(([septet, ch]) => [ch, septet]));

/** Septets of `text` in the default alphabet, an extension character as 0x1B and its code. */
export function gsmEncode(text: string): Buffer {
  const septets: number[] = [];
  for (const ch of text) {
    const basic = DEFAULT_BY_CHAR.get(ch);
    const extension = EXTENSION_BY_CHAR.get(ch);
    if (basic !== undefined) septets.push(basic);
    else if (extension !== undefined) septets.push(ESC, extension);
    else throw new RangeError(`${JSON.stringify(ch)} is not in the GSM 7-bit default alphabet`);
  }
  return Buffer.from(septets);
}

/**
 * Text of unpacked septets. As TS 23.038 asks of a receiver: an escape followed by a code the extension
 * table lacks shows the default alphabet's character for that code; an escape followed by another escape
 * (reserved for a further table) or standing last shows a space.
 */
export function gsmDecode(octets: Uint8Array): string {
  let text = '';
  for (let i = 0; i < octets.length; i++) {
    const septet = octets[i];
    if (septet > 0x7f) text += REPLACEMENT;
    else if (septet !== ESC) text += DEFAULT_ALPHABET[septet];
    else if (i + 1 === octets.length) text += ' ';
    else {
      const code = octets[++i];
      if (code > 0x7f) text += REPLACEMENT;
      else if (code === ESC) text += ' ';
      else text += EXTENSION_TABLE.get(code) ?? DEFAULT_ALPHABET[code];
    }
  }
  return text;
}

/** Septets `ch` takes: 1 in the default alphabet, 2 in the extension table; throws outside both. */
function septetCount(ch: string): 1 | 2 {
  if (DEFAULT_BY_CHAR.has(ch)) return 1;
  if (EXTENSION_BY_CHAR.has(ch)) return 2;
  throw new RangeError(`${JSON.stringify(ch)} is not in the GSM 7-bit default alphabet`);
}

/** UTF-16 code units of `text`, each as two octets, high first. */
export function ucs2Encode(text: string): Buffer {
  const octets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    octets.push(unit >> 8, unit & 0xff);
  }
  return Buffer.from(octets);
}

/** Text of big-endian 16-bit code units (a surrogate pair gives one character); a lone last octet is U+FFFD. */
export function ucs2Decode(octets: Uint8Array): string {
  let text = '';
  for (let i = 0; i + 1 < octets.length; i += 2)
    text += String.fromCharCode((octets[i] << 8) | octets[i + 1]);
  return octets.length % 2 ? text + REPLACEMENT : text;
}

/** ISO 8859-1: one octet a character, U+0000-U+00FF. */
export function latin1Encode(text: string): Buffer {
  const octets: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0xff) throw new RangeError(`${JSON.stringify(ch)} is not in Latin-1`);
    octets.push(code);
  }
  return Buffer.from(octets);
}

export function latin1Decode(octets: Uint8Array): string {
  return String.fromCharCode(...octets);
}

/** The UDH of a concatenated part, UDHL first: IEI 0x00 for an 8-bit reference, 0x08 for a 16-bit one. */
export function concatUdh({ ref, total, seq }: Concat, referenceBits: 8 | 16 = ref > 0xff ? 16 : 8): Buffer {
  if (referenceBits === 8) {
    if (ref > 0xff) throw new RangeError(`reference ${ref} does not fit 8 bits`);
    return Buffer.from([0x05, 0x00, 0x03, ref, total, seq]);
  }
  return Buffer.from([0x06, 0x08, 0x04, ref >> 8, ref & 0xff, total, seq]);
}

/** One information element of a UDH. */
export interface InformationElement {
  iei: number;
  data: Buffer;
}

/**
 * Splits user data into its header's information elements and the rest. Without the UDHI bit there is no
 * header; an element running past the header's length is dropped.
 */
export function splitUserData(octets: Buffer, esmClass: number): { ies: InformationElement[]; body: Buffer } {
  if (!(esmClass & UDHI) || octets.length === 0) return { ies: [], body: octets };
  const udhl = octets[0];
  const end = Math.min(octets.length, 1 + udhl);
  const ies: InformationElement[] = [];
  let at = 1;
  while (at + 2 <= end) {
    const iei = octets[at];
    const iedl = octets[at + 1];
    if (at + 2 + iedl > end) break;
    ies.push({ iei, data: octets.subarray(at + 2, at + 2 + iedl) });
    at += 2 + iedl;
  }
  return { ies, body: octets.subarray(end) };
}

/**
 * The concatenation among a header's elements, or null. TS 23.040 §9.2.3.24.1: a receiver ignores an IE whose
 * maximum number is 0, or whose sequence number is 0 or beyond that maximum.
 */
export function concatOf(ies: InformationElement[]): Concat | null {
  for (const { iei, data } of ies) {
    let concat: Concat | null = null;
    if (iei === 0x00 && data.length === 3) concat = { ref: data[0], total: data[1], seq: data[2] };
    if (iei === 0x08 && data.length === 4)
      concat = { ref: (data[0] << 8) | data[1], total: data[2], seq: data[3] };
    if (concat && concat.total > 0 && concat.seq > 0 && concat.seq <= concat.total) return concat;
  }
  return null;
}

/** Text of user data (no header) per SMPP 3.4 data_coding; a coding this codec does not know reads as U+FFFD. */
export function decodeText(octets: Buffer, dataCoding: number): string {
  switch (dataCoding) {
    case 0:
      return gsmDecode(octets);
    case 1:
      return Array.from(octets, (o) => (o > 0x7f ? REPLACEMENT : String.fromCharCode(o))).join('');
    case 3:
      return latin1Decode(octets);
    case 8:
      return ucs2Decode(octets);
    default:
      return REPLACEMENT.repeat(octets.length);
  }
}

/** Octets of `text` in data_coding 0, 3 or 8. */
export function encodeText(text: string, dataCoding: 0 | 3 | 8): Buffer {
  if (dataCoding === 0) return gsmEncode(text);
  if (dataCoding === 3) return latin1Encode(text);
  return ucs2Encode(text);
}

/** A submit's or deliver's text and concatenation: message_payload when it holds octets, else short_message. */
export function decodeMessage(message: MessageOctets): { text: string; concat: Concat | null } {
  const octets = message.messagePayload?.length ? message.messagePayload : message.shortMessage;
  const { ies, body } = splitUserData(octets, message.esmClass);
  return { text: decodeText(body, message.dataCoding), concat: concatOf(ies) };
}

/**
 * The coding a handset picks: the default alphabet for printable ASCII (and CR, LF) it holds, UCS2 for
 * anything else (a Chinese text, or é, which the gateway would answer in UCS2 anyway).
 */
export function codingFor(text: string): 0 | 8 {
  for (const ch of text) {
    const printable = ch === '\n' || ch === '\r' || (ch >= ' ' && ch <= '~');
    if (!printable || !(DEFAULT_BY_CHAR.has(ch) || EXTENSION_BY_CHAR.has(ch))) return 8;
  }
  return 0;
}

/** SMS user data is 140 octets: 160 septets alone, 153 behind a 6-octet UDH; 70 UCS2 units alone, 67 behind it. */
const LIMIT = { gsm: { single: 160, part: 153 }, ucs2: { single: 70, part: 67 } } as const;

/**
 * A text as a handset sends it: one SMS when it fits, else concatenated parts (at most 255), each with its
 * data_coding, esm_class (UDHI for a part) and user data (an 8-bit reference UDH, then the text). A part
 * never ends between an escape and its code, nor between the two halves of a surrogate pair.
 */
export function splitText(
  text: string,
  ref: number = randomInt(256),
): Array<{ dataCoding: 0 | 8; esmClass: number; shortMessage: Buffer }> {
  const dataCoding = codingFor(text);
  const limit = dataCoding === 0 ? LIMIT.gsm : LIMIT.ucs2;
  const cost = (ch: string) => (dataCoding === 0 ? septetCount(ch) : ch.length);
  const whole = Array.from(text).reduce((sum, ch) => sum + cost(ch), 0);
  if (whole <= limit.single) return [{ dataCoding, esmClass: 0, shortMessage: encodeText(text, dataCoding) }];
  const chunks: string[] = [''];
  let used = 0;
  for (const ch of text) {
    if (used + cost(ch) > limit.part) {
      chunks.push('');
      used = 0;
    }
    chunks[chunks.length - 1] += ch;
    used += cost(ch);
  }
  if (chunks.length > 255) throw new RangeError(`${chunks.length} parts: a concatenation holds at most 255`);
  return chunks.map((chunk, i) => ({
    dataCoding,
    esmClass: UDHI,
    shortMessage: Buffer.concat([
      concatUdh({ ref, total: chunks.length, seq: i + 1 }, 8),
      encodeText(chunk, dataCoding),
    ]),
  }));
}

/** The test SMSC's codec: MOs encoded and submits decoded by this module, the PDUs by the `smpp` package. */
export const specCodec: SmscCodec = {
  codingFor,
  encode: encodeText,
  concatHeader: (concat) => concatUdh(concat),
  split: (text) => splitText(text),
  decode: decodeMessage,
};
