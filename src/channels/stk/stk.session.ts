/**
 * One STK step (INTERFACES §6): the user's menu session on the session runtime, and beside it what the
 * channel itself keeps, sealed in Redis under `<prefix>:stk:<sessionId>`: the proactive command
 * outstanding (its type and the items it offered, the DISPLAY TEXT pages still to show), the requests
 * already pushed to this session, and the last answer.
 *
 * - A MENU SELECTION (or the JSON `menu`) starts a session at the root menu, with the item chosen
 *   applied; a caller with no wallet gets the offer to open one, a merchant's waiting request shows first.
 * - A terminal response must answer the command sent last (its type, an item it offered), or it is
 *   refused with 400 and the session does not move.
 * - A merchant's payment request that arrives while the session is open is shown at the user's next
 *   step (the STK-push analogue): the confirmation screen, then the PIN. A session looks at most every
 *   `STK_PUSH_CHECK_MS` (a query), so steps in quick succession do not each pay for it.
 * - Retries: an event equal to the last one answered that cannot answer the command now outstanding is
 *   a retry (a PIN's terminal response after its result was shown): it gets the same answer. A retry
 *   racing its original is replayed by the runtime (the request name is the same).
 */

import type { Locale } from '../../../flows/texts/index.js';
import { text } from '../../../flows/texts/index.js';
import { pendingPaymentRequest } from '../../ledger/index.js';
import type { Keyring } from '../../lib/index.js';
import { type SessionStart, sessionStartOf, type View } from '../../sessions/index.js';
import type { ChannelDeps } from '../channel.js';
import { commandText, MORE_ITEM, stkCommands } from './stk.render.js';
import type { StkInbound } from './stk.request.js';
import { COMMAND, commandDetailsOf, encodeProactive, type ProactiveCommand } from './stk.tlv.js';

export type StkSessionDeps = Pick<ChannelDeps, 'config' | 'db' | 'connection' | 'sessions' | 'keys'>;

/** The reply to an event (§6): the next proactive command, described and TLV-encoded. */
export interface StkReply {
  command: 'SELECT_ITEM' | 'GET_INPUT' | 'DISPLAY_TEXT' | 'SET_UP_MENU' | 'END';
  title?: string;
  items?: { id: string; text: string }[];
  text?: string;
  input?: { minLength: number; maxLength: number; digitsOnly: boolean; hidden: boolean };
  tlv: string;
}

/** An event answered (200) or refused without moving the session (400). */
export type StkOutcome = { status: 200; reply: StkReply } | { status: 400; error: string };

/** The proactive command outstanding. */
interface Outstanding {
  type: number;
  /** Item identifiers a SELECT ITEM offered. */
  items?: number[];
  /** A DISPLAY TEXT of the session's last screen: cleared, the session ends. */
  final?: boolean;
  /** A DISPLAY TEXT of help: cleared, the screen before it is shown again. */
  help?: boolean;
  /** DISPLAY TEXT pages of the same message still to show. */
  rest?: string[];
  /** A SELECT ITEM page whose last item is "more" (98). */
  more?: boolean;
}

/** What the channel keeps of a session, beside the runtime's record. */
interface StkRecord {
  last: Outstanding;
  locale: Locale;
  /** Payment requests (hold ids) already shown in this session. */
  offered: string[];
  /** Events answered so far: names each step's request for the runtime. */
  seq: number;
  /** When the session last looked for a waiting payment request (epoch ms). */
  checkedAt: number;
  /** The last event answered (a keyed fingerprint: it may hold a PIN) and its answer. */
  answered?: { digest: string; reply: StkReply };
}

const HAN = /\p{Script=Han}/u;
const localeOf = (value: string): Locale => (HAN.test(value) ? 'zh-CN' : 'en');
/** The root menu's items (§6: 1-6); a guest has none of them but the offer to open a wallet. */
const ROOT_ITEMS = new Set([1, 2, 3, 4, 5, 6]);

export const stkKey = (prefix: string, sessionId: string) => `${prefix}:stk:${sessionId}`;

const END: StkReply = { command: 'END', tlv: '' };

/** The TLVs of the commands `stkCommands` keeps (the same objects come back for the same screens). */
const tlvs = new WeakMap<ProactiveCommand, string>();
const tlvOf = (command: ProactiveCommand) => {
  let tlv = tlvs.get(command);
  if (tlv === undefined) {
    tlv = encodeProactive(command).toString('hex').toUpperCase();
    tlvs.set(command, tlv);
  }
  return tlv;
};

/** The reply describing `command`. */
export function replyOf(command: ProactiveCommand): StkReply {
  const tlv = tlvOf(command);
  switch (command.type) {
    case 'SELECT_ITEM':
    case 'SET_UP_MENU':
      return {
        command: command.type,
        title: command.title,
        items: command.items.map((i) => ({ id: String(i.id), text: i.text })),
        tlv,
      };
    case 'GET_INPUT': {
      const { minLength, maxLength, digitsOnly, hidden } = command;
      return {
        command: 'GET_INPUT',
        text: command.text,
        input: { minLength, maxLength, digitsOnly, hidden },
        tlv,
      };
    }
    case 'DISPLAY_TEXT':
      return { command: 'DISPLAY_TEXT', text: command.text, tlv };
  }
}

/** Whether `event` can answer the command outstanding (else an equal repeat of the last event is a retry). */
function canAnswer(last: Outstanding, inbound: StkInbound): boolean {
  const { event } = inbound;
  if (inbound.responds !== undefined && inbound.responds !== last.type) return false;
  switch (event.kind) {
    case 'select':
      return last.type === COMMAND.selectItem && (last.items ?? []).includes(event.itemId);
    case 'input':
      return last.type === COMMAND.getInput || (last.type === COMMAND.displayText && event.text === '');
    case 'ok':
      return last.type === COMMAND.displayText;
    default:
      return true;
  }
}

/** Why `inbound` cannot answer `last` (null: it can), for the 400. */
function refusal(last: Outstanding | null, inbound: StkInbound): string | null {
  const { event } = inbound;
  if (event.kind === 'menu' || event.kind === 'end') return null;
  if (!last) return 'no proactive command is outstanding in this session';
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
  if (inbound.responds !== undefined && inbound.responds !== last.type)
    return `the terminal response answers command type ${hex(inbound.responds)}, but the last proactive command was ${hex(last.type)}`;
  if (canAnswer(last, inbound)) return null;
  if (event.kind === 'select')
    return last.type === COMMAND.selectItem
      ? `item ${event.itemId} is not an item of the menu shown`
      : 'select answers a SELECT ITEM, which is not the command outstanding';
  if (event.kind === 'input')
    return last.type === COMMAND.displayText
      ? 'a DISPLAY TEXT is cleared with an empty input'
      : 'input answers a GET INPUT, which is not the command outstanding';
  return 'the event does not answer the command outstanding';
}

export interface StkSessions {
  step(inbound: StkInbound, requestId?: string): Promise<StkOutcome>;
}

export function createStkSessions(deps: StkSessionDeps): StkSessions {
  const { config, db, sessions, keys } = deps;
  // Its own connection, pipelined: the reads and writes of concurrent steps share round trips.
  const redis = deps.connection({ autoPipelining: true });
  const startOf = sessionStartOf(db, config.locale);
  const key = (sessionId: string) => stkKey(config.redisPrefix, sessionId);
  const ttl = sessions.runtime.ttlOf('stk');

  async function load(sessionId: string): Promise<StkRecord | null> {
    const stored = await redis.get(key(sessionId));
    return stored && keys.isSealed(stored) ? (JSON.parse(keys.unseal(stored)) as StkRecord) : null;
  }

  /** Shows `command`, keeping what answers it; `answered` is the event it answers. */
  async function show(
    sessionId: string,
    record: Omit<StkRecord, 'answered'>,
    command: ProactiveCommand,
    digest: string,
  ): Promise<StkReply> {
    const reply = replyOf(command);
    const kept: StkRecord = { ...record, answered: { digest, reply } };
    await redis.set(key(sessionId), sealed(keys, kept), 'EX', ttl);
    return reply;
  }

  /** The session is over: nothing outstanding, nothing kept. */
  async function end(sessionId: string): Promise<StkReply> {
    await Promise.all([redis.del(key(sessionId)), sessions.runtime.take('stk', sessionId)]);
    return END;
  }

  /** The view's screen as its proactive command (the page asked for), and what answers it. */
  function outstandingOf(view: View): { command: ProactiveCommand; last: Outstanding; locale: Locale } {
    const commands = stkCommands(view.screen);
    const page = Math.min(view.page, commands.length - 1);
    const command = commands[page];
    // A menu's language is its title's (the account menu offers 中文 in English).
    const locale = localeOf(command.type === 'SELECT_ITEM' ? command.title : commandText(command));
    const { type } = commandDetailsOf(command);
    if (command.type === 'SELECT_ITEM') {
      const more = page < commands.length - 1;
      return {
        command,
        last: { type, items: command.items.map((i) => i.id), ...(more ? { more } : {}) },
        locale,
      };
    }
    if (command.type === 'DISPLAY_TEXT') {
      const final = view.final || (view.screen.kind === 'message' && view.screen.final);
      const rest = commands.slice(1).map(commandText);
      return { command, last: { type, final, ...(rest.length > 0 ? { rest } : {}) }, locale };
    }
    return { command, last: { type }, locale };
  }

  /** Help: the menu's explanation, then (cleared) the screen before it again. */
  function help(locale: Locale, final: boolean): { command: ProactiveCommand; last: Outstanding } {
    const command: ProactiveCommand = { type: 'DISPLAY_TEXT', text: text(locale, 'flow.help') };
    return { command, last: { type: COMMAND.displayText, help: !final, final } };
  }

  return {
    async step(inbound, requestId) {
      const { sessionId, msisdn, event } = inbound;
      const digest = keys.fingerprint(`stk:${sessionId}:${inbound.canonical}`);
      const record = await load(sessionId);
      if (record?.answered?.digest === digest && !canAnswer(record.last, inbound))
        return { status: 200, reply: record.answered.reply };
      const refused = refusal(record?.last ?? null, inbound);
      if (refused) return { status: 400, error: refused };
      if (event.kind === 'end') return { status: 200, reply: await end(sessionId) };
      const now = Date.now();

      /** A step of the flow, then its screen shown; `kept` is what the record carries on. */
      const stepOf = async (
        start: SessionStart | null,
        flowEvent: StkInbound['input'],
        nav: StkInbound['nav'],
        kept: Pick<StkRecord, 'offered' | 'seq' | 'checkedAt'>,
      ) => {
        const view = await sessions.view('stk', sessionId, start, flowEvent, {
          // A `menu` starts anew: never the replay of an ended session's last answer.
          request: event.kind === 'menu' ? undefined : `${kept.seq}:${digest}`,
          nav,
          pages: (screen) => stkCommands(screen).length,
          requestId,
        });
        const shown = outstandingOf(view);
        const next = { ...kept, last: shown.last, locale: shown.locale, seq: kept.seq + 1 };
        return { status: 200 as const, reply: await show(sessionId, next, shown.command, digest) };
      };

      if (event.kind === 'menu') {
        if (record) await sessions.runtime.take('stk', sessionId);
        // Who starts, read now: the profile, and a request waiting (the session opens on it).
        const begin = await startOf(msisdn)();
        const kept = { offered: begin.request ? [begin.request.holdId] : [], seq: 0, checkedAt: now };
        if (event.help) {
          const shown = help(begin.locale, true);
          const reply = await show(
            sessionId,
            { ...kept, last: shown.last, locale: begin.locale },
            shown.command,
            digest,
          );
          return { status: 200, reply };
        }
        // The item chosen is applied to the root menu of a user; a request or a guest's offer shows first.
        const choose =
          begin.registered && !begin.request && event.itemId !== undefined && ROOT_ITEMS.has(event.itemId);
        return stepOf(begin, choose ? inbound.input : { type: 'TEXT', text: '' }, undefined, kept);
      }

      // Checked above: a step of an open session has its record.
      const open = record as StkRecord;
      const look = now - (open.checkedAt ?? 0) >= config.stkPushCheckMs;
      const pending = look ? await pendingPaymentRequest(db, msisdn) : null;
      const kept = { offered: open.offered, seq: open.seq, checkedAt: look ? now : open.checkedAt };
      if (pending && !open.offered.includes(pending.holdId)) {
        // The STK-push analogue: the journey in progress gives way to the merchant's request.
        await sessions.runtime.take('stk', sessionId);
        const begin = await startOf(msisdn)();
        const offered = [...open.offered, ...(begin.request ? [begin.request.holdId] : [])];
        return stepOf(begin, { type: 'TEXT', text: '' }, undefined, { ...kept, offered });
      }
      if (event.kind === 'help') {
        const shown = help(open.locale, false);
        const reply = await show(sessionId, { ...open, ...kept, last: shown.last }, shown.command, digest);
        return { status: 200, reply };
      }
      const cleared =
        event.kind === 'ok' || (event.kind === 'input' && open.last.type === COMMAND.displayText);
      if (cleared) {
        const [page, ...rest] = open.last.rest ?? [];
        if (page !== undefined) {
          const command: ProactiveCommand = { type: 'DISPLAY_TEXT', text: page };
          const last: Outstanding = { ...open.last, rest: rest.length > 0 ? rest : undefined };
          return { status: 200, reply: await show(sessionId, { ...open, ...kept, last }, command, digest) };
        }
        if (open.last.final) return { status: 200, reply: await end(sessionId) };
        // Help cleared: the screen it was asked on, again; a message that goes on: on to the flow.
        return stepOf(null, { type: 'TEXT', text: '' }, open.last.help ? 'repeat' : undefined, kept);
      }
      const more = event.kind === 'select' && event.itemId === MORE_ITEM && open.last.more;
      return stepOf(null, inbound.input, more ? 'more' : inbound.nav, kept);
    },
  };
}

function sealed(keys: Keyring, record: StkRecord): string {
  return keys.seal(JSON.stringify(record));
}
