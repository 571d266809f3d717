/**
 * Our own BER-TLV codec for the SIM Toolkit (ETSI TS 102 223): the proactive commands the gateway sends
 * (DISPLAY TEXT, GET INPUT, SELECT ITEM, SET UP MENU), and what a SIM sends back through an OTA platform
 * (the MENU SELECTION envelope, a TERMINAL RESPONSE). No npm package covers TS 102 223 (see README), and
 * the pieces are small: a tag a byte, a length, a value.
 *
 * - Lengths take the shortest form (§ annex C of TS 101 220): one byte below 0x80, `81 xx` from 0x80 to
 *   0xFF. Anything longer does not fit a proactive command; a decoder refuses `81 7F` (not minimal), a
 *   length that overruns, and bytes left over.
 * - Comprehension-TLV tags carry their "comprehension required" flag in bit 8 (0x81 is command details
 *   with CR, 0x01 without): a decoder reads both, skips an unknown tag without the flag and refuses one
 *   with it (TS 102 223 §6.10).
 * - Text: alpha identifiers and items are GSM default-alphabet septets, one an octet, or `0x80` and
 *   UCS2 (UTF-16BE) when the text is not GSM; a text string starts with its data coding scheme
 *   (`0x00` packed 7-bit, `0x04` 8-bit, `0x08` UCS2).
 */
import { decodeGsm, encodeGsm, isGsm } from '../../lib/index.js';

/** Why bytes are not a TLV we accept, in words fit for the OTA platform's 400. */
export class StkTlvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StkTlvError';
  }
}

/** Comprehension-TLV tags, without the CR bit (TS 102 223 §9.3). */
export const TAG = {
  commandDetails: 0x01,
  deviceIdentities: 0x02,
  result: 0x03,
  alphaIdentifier: 0x05,
  textString: 0x0d,
  item: 0x0f,
  itemIdentifier: 0x10,
  responseLength: 0x11,
  helpRequest: 0x15,
} as const;
const CR = 0x80;
/** BER-TLV tags (TS 101 220 annex C): a proactive command, a MENU SELECTION envelope. */
export const PROACTIVE_COMMAND = 0xd0;
export const MENU_SELECTION = 0xd3;

/** Type of command (TS 102 223 §9.4). */
export const COMMAND = {
  displayText: 0x21,
  getInput: 0x23,
  selectItem: 0x24,
  setUpMenu: 0x25,
} as const;
export type CommandType = (typeof COMMAND)[keyof typeof COMMAND];

/** Device identities (TS 102 223 §8.7). */
export const DEVICE = { keypad: 0x01, display: 0x02, uicc: 0x81, terminal: 0x82, network: 0x83 } as const;

/** Data coding scheme of a text string. */
export type Dcs = 'packed' | '8bit' | 'ucs2';
const DCS_BYTE: Record<Dcs, number> = { packed: 0x00, '8bit': 0x04, ucs2: 0x08 };

/** GET INPUT qualifier bits (TS 102 223 §8.6). */
export const GET_INPUT = { alphabet: 0x01, ucs2: 0x02, hidden: 0x04, packed: 0x08 } as const;
/** DISPLAY TEXT qualifier bit: wait for the user to clear the message. */
export const DISPLAY_WAIT_FOR_USER = 0x80;

/** One proactive command: a command number, `01` (one is outstanding at a time, INTERFACES §6). */
const COMMAND_NUMBER = 0x01;

// ---------------------------------------------------------------------------------------------------
// Lengths and TLVs

/** The shortest length form of `n` (0..255). */
export function encodeLength(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`length ${n}`);
  if (n < 0x80) return [n];
  if (n <= 0xff) return [0x81, n];
  throw new RangeError(`a length of ${n} does not fit a SIM Toolkit TLV (at most 255)`);
}

function tlv(tag: number, value: readonly number[] | Uint8Array): number[] {
  return [tag, ...encodeLength(value.length), ...value];
}

/** A TLV as read: its tag (with the CR bit), where its value starts, its value. */
export interface RawTlv {
  tag: number;
  value: Buffer;
}

/** Reads a length at `at`: the value's length and where the value starts. */
function readLength(bytes: Buffer, at: number, what: string): { length: number; start: number } {
  if (at >= bytes.length) throw new StkTlvError(`${what}: truncated before its length`);
  const first = bytes[at];
  if (first < 0x80) return { length: first, start: at + 1 };
  if (first === 0x81) {
    if (at + 1 >= bytes.length) throw new StkTlvError(`${what}: truncated inside its length`);
    const length = bytes[at + 1];
    if (length < 0x80) throw new StkTlvError(`${what}: non-minimal length 81 ${hex2(length)}`);
    return { length, start: at + 2 };
  }
  throw new StkTlvError(`${what}: length form ${hex2(first)} is not allowed (at most 81 xx)`);
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** The comprehension-TLVs of `bytes`, in order; every byte must belong to one. */
export function readTlvs(bytes: Buffer): RawTlv[] {
  const out: RawTlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at];
    if (tag === 0x00 || tag === 0xff || tag === 0x80 || tag === 0x7f)
      throw new StkTlvError(`tag ${hex2(tag)} at offset ${at} is not a comprehension-TLV tag we read`);
    const { length, start } = readLength(bytes, at + 1, `tag ${hex2(tag)}`);
    if (start + length > bytes.length)
      throw new StkTlvError(
        `tag ${hex2(tag)}: length ${length} overruns the ${bytes.length - start} bytes left`,
      );
    out.push({ tag, value: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return out;
}

/** The value of a BER-TLV of tag `tag` that spans all of `bytes`. */
function readBer(bytes: Buffer, tag: number, what: string): Buffer {
  if (bytes.length === 0) throw new StkTlvError(`${what}: empty`);
  if (bytes[0] !== tag) throw new StkTlvError(`${what}: tag ${hex2(bytes[0])}, not ${hex2(tag)}`);
  const { length, start } = readLength(bytes, 1, what);
  if (start + length > bytes.length)
    throw new StkTlvError(`${what}: length ${length} overruns the ${bytes.length - start} bytes left`);
  if (start + length < bytes.length)
    throw new StkTlvError(`${what}: ${bytes.length - start - length} bytes after its end`);
  return bytes.subarray(start, start + length);
}

// ---------------------------------------------------------------------------------------------------
// Texts

/** Septets packed 8 into 7 octets, low bits first (3GPP TS 23.038 §6.1.2.1). */
export function packSeptets(septets: Uint8Array): Buffer {
  const out = Buffer.alloc(Math.ceil((septets.length * 7) / 8));
  for (let i = 0; i < septets.length; i++) {
    const bit = i * 7;
    const septet = septets[i] & 0x7f;
    out[bit >> 3] |= (septet << (bit & 7)) & 0xff;
    if ((bit & 7) > 1) out[(bit >> 3) + 1] |= septet >> (8 - (bit & 7));
  }
  return out;
}

/** The septets packed in `octets`. A last septet of 0 where 7 spare bits close the final octet is padding. */
export function unpackSeptets(octets: Uint8Array): Buffer {
  const count = Math.floor((octets.length * 8) / 7);
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    const bit = i * 7;
    const low = octets[bit >> 3] >> (bit & 7);
    const high = (bit & 7) > 1 ? octets[(bit >> 3) + 1] << (8 - (bit & 7)) : 0;
    out[i] = (low | high) & 0x7f;
  }
  // 8 octets hold 9 septets and more: a 0 (an '@') in spare bits is the sender's padding, not text.
  return count > 0 && count % 8 === 0 && out[count - 1] === 0 ? out.subarray(0, count - 1) : out;
}

const ucs2 = (value: string) => Buffer.from(value, 'utf16le').swap16();
const fromUcs2 = (octets: Uint8Array) => Buffer.from(octets).swap16().toString('utf16le');

/** An alpha identifier or an item's text: GSM septets, else `80` and UCS2. */
export function encodeAlpha(value: string): Buffer {
  return isGsm(value) ? encodeGsm(value) : Buffer.concat([Buffer.from([0x80]), ucs2(value)]);
}

/** The data coding scheme a text string takes by default: 8-bit GSM when it can, else UCS2. */
export const dcsOf = (value: string): Dcs => (isGsm(value) ? '8bit' : 'ucs2');

/** A text string's value: its DCS byte, then the text in it. */
export function encodeText(value: string, dcs: Dcs = dcsOf(value)): Buffer {
  const body =
    dcs === 'ucs2' ? ucs2(value) : dcs === 'packed' ? packSeptets(encodeGsm(value)) : encodeGsm(value);
  return Buffer.concat([Buffer.from([DCS_BYTE[dcs]]), body]);
}

/** A text string's value read: its DCS and the text. An empty value is no text at all (null). */
export function decodeText(value: Buffer): { dcs: Dcs; text: string } | null {
  if (value.length === 0) return null;
  const body = value.subarray(1);
  // The alphabet is in bits 3-2 of the DCS (3GPP TS 23.038 §4, general data coding).
  switch (value[0] & 0x0c) {
    case 0x00:
      return { dcs: 'packed', text: decodeGsm(unpackSeptets(body)) };
    case 0x04:
      return { dcs: '8bit', text: decodeGsm(body) };
    case 0x08:
      if (body.length % 2 !== 0) throw new StkTlvError('text string: UCS2 text of an odd number of octets');
      return { dcs: 'ucs2', text: fromUcs2(body) };
    default:
      throw new StkTlvError(`text string: data coding scheme ${hex2(value[0])} is reserved`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Proactive commands

export interface MenuItem {
  /** Item identifier, 1..255. */
  id: number;
  text: string;
}

export type ProactiveCommand =
  | { type: 'DISPLAY_TEXT'; text: string; dcs?: Dcs; qualifier?: number }
  | {
      type: 'GET_INPUT';
      text: string;
      dcs?: Dcs;
      minLength: number;
      maxLength: number;
      digitsOnly: boolean;
      hidden: boolean;
    }
  | { type: 'SELECT_ITEM'; title: string; items: MenuItem[]; defaultItem?: number }
  | { type: 'SET_UP_MENU'; title: string; items: MenuItem[] };

/** The type byte and qualifier of a proactive command. */
export function commandDetailsOf(command: ProactiveCommand): { type: CommandType; qualifier: number } {
  switch (command.type) {
    case 'DISPLAY_TEXT':
      return { type: COMMAND.displayText, qualifier: command.qualifier ?? DISPLAY_WAIT_FOR_USER };
    case 'GET_INPUT':
      return {
        type: COMMAND.getInput,
        qualifier: (command.digitsOnly ? 0 : GET_INPUT.alphabet) | (command.hidden ? GET_INPUT.hidden : 0),
      };
    case 'SELECT_ITEM':
      return { type: COMMAND.selectItem, qualifier: 0x00 };
    case 'SET_UP_MENU':
      return { type: COMMAND.setUpMenu, qualifier: 0x00 };
  }
}

function itemTlvs(items: MenuItem[]): number[] {
  return items.flatMap((item) => {
    if (!Number.isInteger(item.id) || item.id < 1 || item.id > 0xff)
      throw new RangeError(`item identifier ${item.id} is not 1..255`);
    return tlv(TAG.item | CR, [item.id, ...encodeAlpha(item.text)]);
  });
}

/** `command` as a BER-TLV proactive command (`D0 …`). Throws a RangeError when it exceeds 255 octets. */
export function encodeProactive(command: ProactiveCommand): Buffer {
  const { type, qualifier } = commandDetailsOf(command);
  // To the display for a message, to the terminal for what wants an answer (TS 102 384 vectors).
  const destination = command.type === 'DISPLAY_TEXT' ? DEVICE.display : DEVICE.terminal;
  const body: number[] = [
    ...tlv(TAG.commandDetails | CR, [COMMAND_NUMBER, type, qualifier]),
    ...tlv(TAG.deviceIdentities | CR, [DEVICE.uicc, destination]),
  ];
  switch (command.type) {
    case 'DISPLAY_TEXT':
      body.push(...tlv(TAG.textString | CR, encodeText(command.text, command.dcs)));
      break;
    case 'GET_INPUT':
      body.push(...tlv(TAG.textString | CR, encodeText(command.text, command.dcs)));
      body.push(...tlv(TAG.responseLength | CR, [command.minLength, command.maxLength]));
      break;
    case 'SELECT_ITEM':
      body.push(...tlv(TAG.alphaIdentifier | CR, encodeAlpha(command.title)));
      body.push(...itemTlvs(command.items));
      if (command.defaultItem !== undefined)
        body.push(...tlv(TAG.itemIdentifier | CR, [command.defaultItem]));
      break;
    case 'SET_UP_MENU':
      body.push(...tlv(TAG.alphaIdentifier | CR, encodeAlpha(command.title)));
      body.push(...itemTlvs(command.items));
      break;
  }
  return Buffer.from(tlv(PROACTIVE_COMMAND, body));
}

/** Octets a proactive command may take in all (INTERFACES §6: one command, 255 bytes). */
export const PROACTIVE_MAX = 255;

// ---------------------------------------------------------------------------------------------------
// What the SIM sends: envelopes and terminal responses

/** General results of a terminal response (TS 102 223 §8.12). */
export const RESULT = {
  ok: 0x00,
  terminatedByUser: 0x10,
  backward: 0x11,
  noResponse: 0x12,
  helpRequested: 0x13,
} as const;

export interface MenuSelection {
  kind: 'envelope';
  itemId: number;
  /** The user asked for help on the item rather than choosing it. */
  help: boolean;
}

export interface TerminalResponse {
  kind: 'response';
  number: number;
  commandType: number;
  qualifier: number;
  result: number;
  /** The text string (GET INPUT), when one came. */
  text?: { dcs: Dcs; text: string } | null;
  /** The item identifier (SELECT ITEM), when one came. */
  itemId?: number;
}

/** What an OTA platform forwards from the SIM. */
export type SimMessage = MenuSelection | TerminalResponse;

const KNOWN = new Set<number>(Object.values(TAG));

/** Splits TLVs by tag (CR bit dropped), refusing an unknown tag that asks to be understood. */
function byTag(tlvs: RawTlv[]): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  for (const { tag, value } of tlvs) {
    const plain = tag & ~CR;
    if (!KNOWN.has(plain)) {
      if (tag & CR) throw new StkTlvError(`unknown tag ${hex2(tag)} marked comprehension required`);
      continue;
    }
    if (!found.has(plain)) found.set(plain, value);
  }
  return found;
}

function deviceIdentities(found: Map<number, Buffer>, what: string): { source: number; destination: number } {
  const devices = found.get(TAG.deviceIdentities);
  if (!devices) throw new StkTlvError(`${what}: no device identities`);
  if (devices.length !== 2)
    throw new StkTlvError(`${what}: device identities of ${devices.length} octets, not 2`);
  return { source: devices[0], destination: devices[1] };
}

/** A MENU SELECTION envelope (`D3 …`, TS 102 223 §7.3.1.6). */
export function decodeEnvelope(bytes: Buffer): MenuSelection {
  const found = byTag(readTlvs(readBer(bytes, MENU_SELECTION, 'menu selection envelope')));
  const { destination } = deviceIdentities(found, 'menu selection');
  if (destination !== DEVICE.uicc) throw new StkTlvError('menu selection: not addressed to the UICC');
  const item = found.get(TAG.itemIdentifier);
  if (item?.length !== 1) throw new StkTlvError('menu selection: no item identifier of one octet');
  return { kind: 'envelope', itemId: item[0], help: found.has(TAG.helpRequest) };
}

/** A TERMINAL RESPONSE (command details first, TS 102 223 §6.8). */
export function decodeTerminalResponse(bytes: Buffer): TerminalResponse {
  const found = byTag(readTlvs(bytes));
  const details = found.get(TAG.commandDetails);
  if (details?.length !== 3) throw new StkTlvError('terminal response: no command details of 3 octets');
  deviceIdentities(found, 'terminal response');
  const result = found.get(TAG.result);
  if (!result || result.length < 1) throw new StkTlvError('terminal response: no result');
  const response: TerminalResponse = {
    kind: 'response',
    number: details[0],
    commandType: details[1],
    qualifier: details[2],
    result: result[0],
  };
  const text = found.get(TAG.textString);
  if (text) response.text = decodeText(text);
  const item = found.get(TAG.itemIdentifier);
  if (item) {
    if (item.length !== 1) throw new StkTlvError('terminal response: item identifier not of one octet');
    response.itemId = item[0];
  }
  return response;
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** The hex an OTA platform forwards, as what the SIM sent: an envelope (`D3`) or a terminal response (`81`/`01`). */
export function decodeSimMessage(hex: string): SimMessage {
  const compact = hex.replace(/\s+/g, '');
  if (!HEX.test(compact)) throw new StkTlvError('tlv is not hex (an even number of 0-9, A-F)');
  const bytes = Buffer.from(compact, 'hex');
  if (bytes[0] === MENU_SELECTION) return decodeEnvelope(bytes);
  if ((bytes[0] & ~CR) === TAG.commandDetails) return decodeTerminalResponse(bytes);
  throw new StkTlvError(
    `tag ${hex2(bytes[0])} starts neither a menu selection (D3) nor a terminal response (81)`,
  );
}
