/**
 * Pure SMPP 3.4 message codec: text in and out of `short_message` (data_coding 0, 3, 8 and best effort
 * for others), concatenation headers (UDH), splitting an MT into submit_sm parts, and delivery receipts.
 *
 * It reads both shapes a PDU can have here: raw octets (the ESME link parses without the `smpp` package's
 * decode filter, so `short_message` is a Buffer that still holds its UDH when esm_class has 0x40) and the
 * package's decoded form `{ message, udh: Buffer[] }` (what a server session built on the package sees).
 */
import { randomInt } from 'node:crypto';
import { decodeGsm, encodeGsm, gsmSeptets } from '../../lib/index.js';

export { decodeGsm, encodeGsm, isGsm } from '../../lib/index.js';

/** esm_class bit saying the short message starts with a user data header. */
export const ESM_UDHI = 0x40;

/** A concatenated-SMS header: reference shared by the parts, how many, and this part's place (1-based). */
export interface ConcatInfo {
  ref: number;
  total: number;
  seq: number;
}

/** What a `short_message` or `message_payload` may hold. */
export type MessageField =
  | Buffer
  | Uint8Array
  | string
  | { message: string | Buffer | Uint8Array; udh?: Buffer[] };

/** The fields of a deliver_sm / data_sm / submit_sm the codec reads. */
export interface MessagePdu {
  esm_class?: number;
  data_coding?: number | null;
  short_message?: MessageField;
  message_payload?: MessageField;
  receipted_message_id?: string;
  message_state?: number;
  network_error_code?: Buffer | Uint8Array;
}

/**
 * How `data_coding` 0 ("SMSC default alphabet") is read and written. `gsm` (default): GSM 03.38 septets,
 * one an octet, which is what most SMSCs and the `smpp` package mean. `ascii`: plain ASCII octets, for
 * SMSCs configured that way (Kannel's `alt-charset`).
 */
export type DefaultAlphabet = 'gsm' | 'ascii';

export interface DecodeOptions {
  /** Meaning of data_coding 0. Default `gsm`. */
  defaultAlphabet?: DefaultAlphabet;
}

interface SplitMessage {
  body: Buffer | string;
  udh: Buffer[] | null;
}

/** The field carrying the message: `message_payload` when present and not empty, else `short_message`. */
function messageField(pdu: MessagePdu): MessageField | undefined {
  const payload = pdu.message_payload;
  if (payload !== undefined && payload !== null && fieldLength(payload) > 0) return payload;
  return pdu.short_message;
}

function fieldLength(field: MessageField): number {
  if (typeof field === 'string') return field.length;
  if (field instanceof Uint8Array) return field.length;
  return field.message.length + (field.udh?.length ?? 0);
}

/** Splits a field into its UDH information elements and its body. */
function splitField(field: MessageField | undefined, esmClass: number): SplitMessage {
  if (field === undefined || field === null) return { body: Buffer.alloc(0), udh: null };
  if (typeof field === 'string') return { body: field, udh: null };
  if (field instanceof Uint8Array) {
    const octets = Buffer.from(field.buffer, field.byteOffset, field.length);
    if (esmClass & ESM_UDHI && octets.length > 0) {
      const udhLength = octets[0];
      const end = Math.min(octets.length, 1 + udhLength);
      return { body: octets.subarray(end), udh: udhElements(octets.subarray(1, end)) };
    }
    return { body: octets, udh: null };
  }
  const body = typeof field.message === 'string' ? field.message : Buffer.from(field.message);
  return { body, udh: field.udh?.length ? field.udh : null };
}

/** Information elements `[iei, length, ...data]` of a UDH without its length octet. */
function udhElements(udh: Buffer): Buffer[] {
  const elements: Buffer[] = [];
  let at = 0;
  while (at + 2 <= udh.length) {
    const end = Math.min(udh.length, at + 2 + udh[at + 1]);
    elements.push(udh.subarray(at, end));
    at = end;
  }
  return elements;
}

/**
 * The concatenation IE (0x00: 8-bit reference, 0x08: 16-bit reference) among a UDH's elements, or null.
 * Accepts the elements as the `smpp` package gives them (Buffer[]) or a whole UDH with its length octet.
 */
export function parseConcat(udh: Buffer[] | Uint8Array | null | undefined): ConcatInfo | null {
  if (!udh) return null;
  const elements = Array.isArray(udh)
    ? udh
    : udhElements(Buffer.from(udh.buffer, udh.byteOffset, udh.length).subarray(1, 1 + udh[0]));
  for (const ie of elements) {
    const [iei, len] = ie;
    if (iei === 0x00 && len === 3 && ie.length >= 5) return concatOf(ie[2], ie[3], ie[4]);
    if (iei === 0x08 && len === 4 && ie.length >= 6) return concatOf(ie.readUInt16BE(2), ie[4], ie[5]);
  }
  return null;
}

// A header announcing 0 parts or a place beyond the total is not a usable concatenation.
function concatOf(ref: number, total: number, seq: number): ConcatInfo | null {
  return total >= 1 && seq >= 1 && seq <= total ? { ref, total, seq } : null;
}

/** The concatenation header of a PDU's message, or null (no UDH, or a UDH without one). */
export function concatInfo(pdu: MessagePdu): ConcatInfo | null {
  return parseConcat(splitField(messageField(pdu), pdu.esm_class ?? 0).udh);
}

/** Decodes octets per SMPP data_coding. */
export function decodeText(octets: Buffer, dataCoding: number, options: DecodeOptions = {}): string {
  const coding = dataCoding & 0xff;
  switch (coding) {
    case 0x00:
      if (options.defaultAlphabet === 'ascii') return octets.toString('latin1');
      // Octets above 0x7F cannot be septets: the SMSC sent Latin-1 while saying 0.
      return octets.some((o) => o > 0x7f) ? octets.toString('latin1') : decodeGsm(octets);
    case 0x01: // IA5 / ASCII
    case 0x03: // Latin-1
      return octets.toString('latin1');
    case 0x08:
      return decodeUcs2(octets);
    default:
      return decodeOther(octets, coding);
  }
}

function decodeUcs2(octets: Buffer): string {
  // UTF-16 big-endian: surrogate pairs come out as one code point; a stray last octet is dropped.
  const even = Buffer.from(octets.subarray(0, octets.length - (octets.length % 2)));
  return even.swap16().toString('utf16le');
}

// SMPP 3.4 data_coding values with a character set of their own (15: GBK, the CMPP habit of Chinese SMSCs).
const CHARSETS = new Map<number, string>([
  [0x06, 'iso-8859-5'],
  [0x07, 'iso-8859-8'],
  [0x0a, 'iso-2022-jp'],
  [0x0e, 'euc-kr'],
  [0x0f, 'gbk'],
]);

function charsetDecoder(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null; // a Node built without full ICU
  }
}

/**
 * Best effort for the rest: the named character sets above; from 0x10 on, the GSM DCS groups say GSM,
 * 8-bit or UCS2 (bits 2-3 of the general groups, bit 2 of 0xF0-0xFF, 0xE0-0xEF UCS2); else Latin-1.
 */
function decodeOther(octets: Buffer, coding: number): string {
  const label = CHARSETS.get(coding);
  const decoder = label ? charsetDecoder(label) : null;
  if (decoder) return decoder.decode(octets);
  let alphabet = 1;
  if (coding >= 0x10 && coding < 0x80) alphabet = (coding >> 2) & 0x03;
  else if (coding >= 0xc0 && coding < 0xe0) alphabet = 0;
  else if (coding >= 0xe0 && coding < 0xf0) alphabet = 2;
  else if (coding >= 0xf0) alphabet = (coding >> 2) & 0x01;
  if (alphabet === 0) return decodeGsm(octets);
  if (alphabet === 2) return decodeUcs2(octets);
  return octets.toString('latin1');
}

/**
 * The text of a deliver_sm / data_sm / submit_sm: `message_payload` when present, else `short_message`,
 * without its UDH, decoded per `data_coding`. A field the `smpp` package has already decoded to a string
 * is taken as it is.
 */
export function decodeShortMessage(pdu: MessagePdu, options: DecodeOptions = {}): string {
  const { body } = splitField(messageField(pdu), pdu.esm_class ?? 0);
  return typeof body === 'string' ? body : decodeText(body, pdu.data_coding ?? 0, options);
}

/** One submit_sm's worth of an MT: spread `data_coding`, `esm_class` and `short_message` into the PDU. */
export interface MtPart {
  data_coding: 0 | 8;
  esm_class: number;
  /** UDH (when concatenated) then the encoded text: a Buffer, so the `smpp` package sends it as is. */
  short_message: Buffer;
  /** This part's concatenation header, null for a single SMS. */
  concat: ConcatInfo | null;
  /** The part of the text this PDU carries. */
  text: string;
}

export interface EncodeMtOptions {
  /**
   * Which texts go out with data_coding 0. `ascii` (default, INTERFACES §3): only plain ASCII, every
   * other text is UCS2. `gsm`: any text the GSM alphabet holds (é, £, € too).
   */
  sevenBit?: 'ascii' | 'gsm';
  /** Meaning of data_coding 0 at the SMSC (see {@link DefaultAlphabet}). Default `gsm`. */
  defaultAlphabet?: DefaultAlphabet;
  /** The 8-bit concatenation reference; default: the next value of a rolling counter. */
  ref?: number;
}

/** Septets (GSM) or UTF-16 code units (UCS2) in one SMS, alone or as a part of a concatenated one. */
const LIMITS = { gsm: { single: 160, part: 153 }, ucs2: { single: 70, part: 67 } } as const;
const MAX_PARTS = 255;

let nextRef = randomInt(256);

/** Whether `text` goes out as data_coding 0 under `sevenBit`. */
export function fitsDataCoding0(text: string, sevenBit: 'ascii' | 'gsm' = 'ascii'): boolean {
  for (const ch of text) {
    if (gsmSeptets(ch) === 0) return false;
    // Plain ASCII that GSM can also carry: printable characters, CR and LF (the backtick has no septet).
    if (sevenBit === 'ascii' && !(ch === '\n' || ch === '\r' || (ch >= ' ' && ch <= '~'))) return false;
  }
  return true;
}

/** How `text` goes out: data_coding 0 or 8, what each character costs there, and its octets. */
function textCoding(text: string, options: Pick<EncodeMtOptions, 'sevenBit' | 'defaultAlphabet'>) {
  const ascii = options.defaultAlphabet === 'ascii';
  const gsm = fitsDataCoding0(text, ascii ? 'ascii' : options.sevenBit);
  const cost = (ch: string) => (gsm ? (ascii ? 1 : gsmSeptets(ch)) : ch.length);
  const encode = (chunk: string) =>
    gsm ? (ascii ? Buffer.from(chunk, 'latin1') : encodeGsm(chunk)) : Buffer.from(chunk, 'utf16le').swap16();
  return { gsm, cost, encode };
}

/**
 * Encodes an MT into submit_sm parts: data_coding 0 or 8 set explicitly (never left to the `smpp`
 * package, which would label GSM text 1), one SMS when it fits (160 septets, extension characters
 * counting two; 70 UCS2 units), else concatenated parts of 153 septets / 67 units behind a 6-octet UDH
 * with an 8-bit reference shared by the parts. A part never ends inside an escape sequence or a
 * surrogate pair. Throws a RangeError for more than 255 parts.
 */
export function encodeMt(text: string, options: EncodeMtOptions = {}): MtPart[] {
  const { gsm, cost, encode } = textCoding(text, options);
  const chars = Array.from(text);
  const limits = gsm ? LIMITS.gsm : LIMITS.ucs2;
  const total = chars.reduce((sum, ch) => sum + cost(ch), 0);
  const dataCoding = gsm ? 0 : 8;
  if (total <= limits.single) {
    return [{ data_coding: dataCoding, esm_class: 0, short_message: encode(text), concat: null, text }];
  }

  const chunks: string[] = [];
  let chunk = '';
  let used = 0;
  for (const ch of chars) {
    const c = cost(ch);
    if (used + c > limits.part) {
      chunks.push(chunk);
      chunk = '';
      used = 0;
    }
    chunk += ch;
    used += c;
  }
  if (chunk) chunks.push(chunk);
  if (chunks.length > MAX_PARTS) throw new RangeError(`text needs ${chunks.length} SMS parts, at most 255`);

  const ref = (options.ref ?? nextRef++) & 0xff;
  nextRef &= 0xff;
  return chunks.map((part, i) => {
    const concat = { ref, total: chunks.length, seq: i + 1 };
    const udh = Buffer.from([0x05, 0x00, 0x03, ref, chunks.length, i + 1]);
    return {
      data_coding: dataCoding,
      esm_class: ESM_UDHI,
      short_message: Buffer.concat([udh, encode(part)]),
      concat,
      text: part,
    };
  });
}

/**
 * A USSD string is 160 octets on the air (GSM 03.90): 182 septets once packed, or 80 UCS2 characters,
 * the screen sizes of INTERFACES §4.
 */
export const USSD_LIMITS = { septets: 182, ucs2: 80 } as const;

/** One USSD screen's submit_sm fields: never split (a USSD dialog has no concatenation). */
export interface UssdText {
  data_coding: 0 | 8;
  short_message: Buffer;
}

/**
 * Encodes a USSD screen for one submit_sm: data_coding 0 when the text fits it as an MT would
 * (`sevenBit`), else 8 (UCS2). Throws a RangeError for a text longer than one USSD string
 * ({@link USSD_LIMITS}): a screen is never cut.
 */
export function encodeUssdText(
  text: string,
  options: Pick<EncodeMtOptions, 'sevenBit' | 'defaultAlphabet'> = {},
): UssdText {
  const { gsm, cost, encode } = textCoding(text, options);
  const used = Array.from(text).reduce((sum, ch) => sum + cost(ch), 0);
  const limit = gsm ? USSD_LIMITS.septets : USSD_LIMITS.ucs2;
  if (used > limit) {
    const unit = gsm ? 'septets' : 'UCS2 characters';
    throw new RangeError(`a USSD screen holds ${limit} ${unit}, this one ${used}`);
  }
  return { data_coding: gsm ? 0 : 8, short_message: encode(text) };
}

/** Final and intermediate states a delivery receipt can report (SMPP 3.4 message_state 1-8). */
export type DeliveryState =
  | 'enroute'
  | 'delivered'
  | 'expired'
  | 'deleted'
  | 'undeliverable'
  | 'accepted'
  | 'unknown'
  | 'rejected';

/** What a delivery receipt says about one submitted message (part). */
export interface DeliveryReceipt {
  /** The id the SMSC gave in submit_sm_resp, as the receipt writes it (compare with {@link sameMessageId}). */
  messageId: string;
  state: DeliveryState;
  /** The network or SMSC error code when not zero (`err:` of the text form or network_error_code). */
  error?: string;
}

const STATE_BY_NUMBER: Record<number, DeliveryState> = {
  1: 'enroute',
  2: 'delivered',
  3: 'expired',
  4: 'deleted',
  5: 'undeliverable',
  6: 'accepted',
  7: 'unknown',
  8: 'rejected',
};

const STATE_BY_TEXT: Record<string, DeliveryState> = {
  ENROUTE: 'enroute',
  DELIVRD: 'delivered',
  DELIVERED: 'delivered',
  EXPIRED: 'expired',
  DELETED: 'deleted',
  UNDELIV: 'undeliverable',
  UNDELIVERABLE: 'undeliverable',
  FAILED: 'undeliverable',
  ACCEPTD: 'accepted',
  ACCEPTED: 'accepted',
  UNKNOWN: 'unknown',
  REJECTD: 'rejected',
  REJECTED: 'rejected',
};

/** Whether esm_class marks an SMSC delivery receipt (message type bits 2-5 equal to 0x04). */
export function isDeliveryReceipt(esmClass: number | undefined): boolean {
  return ((esmClass ?? 0) & 0x3c) === 0x04;
}

/**
 * The receipt a deliver_sm / data_sm carries, or null when esm_class does not mark one. The TLVs
 * `receipted_message_id` and `message_state` win; the text form (`id:… sub:… dlvrd:… submit date:… done
 * date:… stat:DELIVRD err:…`) fills what they lack. A receipt that says too little still comes back
 * (`messageId` '' and state `unknown`) so that it is never read as a user's message.
 */
export function parseDeliveryReceipt(pdu: MessagePdu, options: DecodeOptions = {}): DeliveryReceipt | null {
  if (!isDeliveryReceipt(pdu.esm_class)) return null;
  let text = '';
  try {
    text = decodeShortMessage(pdu, options);
  } catch {
    // An undecodable body leaves the TLVs to speak.
  }
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
  const tlvId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id.trim() : '';
  const messageId = tlvId || field('id') || '';
  const state =
    STATE_BY_NUMBER[pdu.message_state ?? -1] ??
    STATE_BY_TEXT[(field('stat') ?? '').toUpperCase()] ??
    'unknown';
  const receipt: DeliveryReceipt = { messageId, state };
  const error = networkError(pdu.network_error_code) ?? field('err');
  if (error && !/^0+$/.test(error)) receipt.error = error;
  return receipt;
}

// network_error_code: network type octet then a 2-octet code; written `type:code`.
function networkError(tlv: Buffer | Uint8Array | undefined): string | undefined {
  if (!tlv || tlv.length < 3) return undefined;
  const code = (tlv[1] << 8) | tlv[2];
  return code === 0 ? undefined : `${tlv[0]}:${code}`;
}

/** A message id lower-cased, trimmed and without leading zeros (as stored and compared). */
export function normalizeMessageId(id: string): string {
  const lower = String(id).trim().toLowerCase();
  const stripped = lower.replace(/^0+(?=.)/, '');
  return stripped;
}

/**
 * Every form an id may take at the other end: itself normalized, and for an id that reads as a number its
 * hexadecimal or decimal twin (SMSCs differ: hex in submit_sm_resp, decimal in the receipt, or the other
 * way round). Store ids normalized and look a receipt's id up among these forms.
 */
export function messageIdForms(id: string): string[] {
  const base = normalizeMessageId(id);
  const forms = new Set([base]);
  if (/^[0-9]{1,30}$/.test(base)) forms.add(BigInt(base).toString(16));
  if (/^[0-9a-f]{1,24}$/.test(base)) forms.add(BigInt(`0x${base}`).toString(10));
  return [...forms];
}

/**
 * Whether two ids name the same message, whether each was written in hex or in decimal (`1A2B` and `6699`),
 * ignoring case and leading zeros. An id that could be either (`10`) matches both readings: a false match
 * needs two live messages whose ids collide across bases, which a receipt lookup by destination rules out.
 */
export function sameMessageId(a: string, b: string): boolean {
  const forms = new Set(messageIdForms(a));
  return messageIdForms(b).some((form) => forms.has(form));
}
