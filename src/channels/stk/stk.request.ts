/**
 * Reads `POST /stk/events` (INTERFACES §6) into the seam's `Inbound`: either the JSON event
 * (`{msisdn, sessionId, event, itemId?, input?}`) or what the SIM sent, forwarded as hex
 * (`{msisdn, sessionId, tlv}`): a MENU SELECTION envelope or a TERMINAL RESPONSE. Both become one
 * `StkEvent`; a terminal response also says which command type it answers, which only the session can
 * check against the command it sent last.
 *
 * Terminal response results (TS 102 223 §8.12): `0x` performed (the answer it carries), `10` the user
 * ended the session, `11` back, `12` no response from the user (ends), `13` help; any other (the
 * terminal could not do it) ends the session.
 */
import type { FlowInput } from '../../../flows/index.js';
import { normalizeMsisdn } from '../../lib/index.js';
import type { Navigation } from '../../sessions/index.js';
import type { Inbound, Rejected } from '../channel.js';
import { COMMAND, decodeSimMessage, RESULT, StkTlvError } from './stk.tlv.js';

/** What the user did, whichever form it came in. */
export type StkEvent =
  /** Chose an item of the SIM's own menu (SET UP MENU), or opened it (no item): a session starts. */
  | { kind: 'menu'; itemId?: number; help?: boolean }
  | { kind: 'select'; itemId: number }
  /** Answered a GET INPUT (or, with '', cleared a DISPLAY TEXT in JSON). */
  | { kind: 'input'; text: string }
  /** Cleared a DISPLAY TEXT (terminal response `00`). */
  | { kind: 'ok' }
  | { kind: 'back' }
  | { kind: 'end' }
  | { kind: 'help' };

/** An STK request: the seam's `Inbound`, with the event and what a terminal response answers. */
export interface StkInbound extends Inbound {
  event: StkEvent;
  /** The command type a terminal response names (0x21, 0x23, 0x24, …); none for JSON and envelopes. */
  responds?: number;
  /** The request in one canonical form: a retry is the same string. */
  canonical: string;
}

/** What the STK route reads: the request body. */
export interface StkRaw {
  body: unknown;
}

const EVENTS = new Set(['menu', 'select', 'input', 'end']);
/** Longer session ids are not an OTA platform's. */
const SESSION_ID_MAX = 128;
/** Longer than any card number and PIN, or a GET INPUT's 255. */
const INPUT_MAX = 255;

const bad = (rejected: string): Rejected => ({ rejected, status: 400 });

/** An item identifier: the decimal string of §6 (as the replies' `items[].id`), 1..255; a number is wrong-typed. */
function itemIdOf(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= 0xff ? n : null;
}

/** The flow input and navigation an event stands for (what the runner is given). */
function flowOf(event: StkEvent): { input: FlowInput; nav?: Navigation } {
  switch (event.kind) {
    case 'select':
    case 'menu':
      return {
        input:
          event.itemId === undefined
            ? { type: 'TEXT', text: '' }
            : { type: 'SELECT', id: String(event.itemId) },
      };
    case 'input':
      return { input: { type: 'TEXT', text: event.text } };
    case 'back':
      // A menu's own `0` answers it (the root's exit, the account menu's back); elsewhere it is never an
      // answer (see Navigation), only the screen before.
      return { input: { type: 'TEXT', text: '0' }, nav: 'previous' };
    case 'end':
      return { input: { type: 'TIMEOUT' } };
    default:
      return { input: { type: 'TEXT', text: '' } };
  }
}

/** A terminal response's result and contents as an event. */
function responseEvent(
  commandType: number,
  result: number,
  text: string | undefined,
  itemId: number | undefined,
): StkEvent | Rejected {
  if (result === RESULT.terminatedByUser || result === RESULT.noResponse) return { kind: 'end' };
  if (result === RESULT.backward) return { kind: 'back' };
  if (result === RESULT.helpRequested) return { kind: 'help' };
  if (result > 0x0f) return { kind: 'end' };
  if (commandType === COMMAND.selectItem) {
    if (itemId === undefined) return bad('terminal response to SELECT ITEM: no item identifier');
    return { kind: 'select', itemId };
  }
  if (commandType === COMMAND.getInput) return { kind: 'input', text: text ?? '' };
  return { kind: 'ok' };
}

export function normalizeStk(raw: StkRaw): StkInbound | Rejected {
  const fields = (
    raw.body && typeof raw.body === 'object' && !Array.isArray(raw.body) ? raw.body : {}
  ) as Record<string, unknown>;
  if (typeof fields.msisdn !== 'string') return bad('msisdn is missing or not a string');
  const msisdn = normalizeMsisdn(fields.msisdn);
  if (!msisdn) return bad('msisdn is not a mobile number');
  if (typeof fields.sessionId !== 'string' || fields.sessionId.trim() === '')
    return bad('sessionId is missing or not a string');
  const sessionId = fields.sessionId.trim();
  if (sessionId.length > SESSION_ID_MAX) return bad('sessionId is too long');
  const base = { msisdn, sessionId };

  if (fields.tlv !== undefined) {
    if (typeof fields.tlv !== 'string') return bad('tlv is not a string');
    let message: ReturnType<typeof decodeSimMessage>;
    try {
      message = decodeSimMessage(fields.tlv);
    } catch (err) {
      if (err instanceof StkTlvError) return bad(`tlv: ${err.message}`);
      throw err;
    }
    const canonical = `tlv:${fields.tlv.replace(/\s+/g, '').toUpperCase()}`;
    if (message.kind === 'envelope') {
      const event: StkEvent = {
        kind: 'menu',
        itemId: message.itemId,
        ...(message.help ? { help: true } : {}),
      };
      return { ...base, ...flowOf(event), event, canonical };
    }
    // One proactive command is outstanding at a time, and it is number 01 (§6).
    if (message.number !== 1)
      return bad(`tlv: the terminal response answers command number ${message.number}, not 1`);
    const event = responseEvent(message.commandType, message.result, message.text?.text, message.itemId);
    if ('rejected' in event) return event;
    return { ...base, ...flowOf(event), event, responds: message.commandType, canonical };
  }

  if (typeof fields.event !== 'string' || !EVENTS.has(fields.event))
    return bad('event is missing or not one of menu, select, input, end (or send tlv)');
  let event: StkEvent;
  if (fields.event === 'menu') {
    if (fields.itemId === undefined) event = { kind: 'menu' };
    else {
      const itemId = itemIdOf(fields.itemId);
      if (itemId === null) return bad('itemId is not an item identifier (a decimal string, 1-255)');
      event = { kind: 'menu', itemId };
    }
  } else if (fields.event === 'select') {
    const itemId = itemIdOf(fields.itemId);
    if (itemId === null) return bad('itemId is missing or not an item identifier (a decimal string, 1-255)');
    event = { kind: 'select', itemId };
  } else if (fields.event === 'input') {
    if (typeof fields.input !== 'string') return bad('input is missing or not a string');
    if (fields.input.length > INPUT_MAX) return bad('input is too long');
    event = { kind: 'input', text: fields.input };
  } else event = { kind: 'end' };
  const canonical = `json:${JSON.stringify(event)}`;
  return { ...base, ...flowOf(event), event, canonical };
}
