/**
 * One STK step (INTERFACES §6): the user's menu session on the session runtime, and in the same record
 * what the channel itself keeps beside the menu: the proactive command outstanding (its type and the
 * items it offered, the DISPLAY TEXT pages still to show), the requests already pushed to this session,
 * and the last answer. One record, so a step is one read and one write under the session's lock.
 *
 * - A MENU SELECTION (or the JSON `menu`) starts a session at the root menu, with the item chosen
 *   applied; a caller with no wallet gets the offer to open one, a merchant's waiting request shows first.
 * - A terminal response must answer the command sent last (its type, an item it offered), or it is
 *   refused with 400 and the session does not move (nothing is written).
 * - A merchant's payment request that arrives while the session is open is shown at the user's next
 *   step (the STK-push analogue): the confirmation screen, then the PIN. A session looks at most every
 *   `STK_PUSH_CHECK_MS` (a query), so steps in quick succession do not each pay for it.
 * - Retries: an event equal to the last one answered gets the same answer when it cannot answer the
 *   command now outstanding (a PIN's terminal response after its result was shown), or when it waited
 *   for that answer's step to finish (a retry racing its original).
 */

import type { Locale } from '../../../flows/texts/index.js';
import { text } from '../../../flows/texts/index.js';
import { pendingPaymentRequest } from '../../ledger/index.js';
import {
  type LiveState,
  type SessionStart,
  type StepOutcome,
  type StepScope,
  sessionStartOf,
  type View,
} from '../../sessions/index.js';
import type { ChannelDeps } from '../channel.js';
import { commandText, MORE_ITEM, stkCommands } from './stk.render.js';
import type { StkInbound } from './stk.request.js';
import { COMMAND, commandDetailsOf, encodeProactive, type ProactiveCommand } from './stk.tlv.js';

export type StkSessionDeps = Pick<ChannelDeps, 'config' | 'db' | 'sessions' | 'keys'>;

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

/** What the channel keeps of a session, beside the menu's state. */
interface StkRecord {
  last: Outstanding;
  locale: Locale;
  /** Payment requests (hold ids) already shown in this session. */
  offered: string[];
  /** When the session last looked for a waiting payment request (epoch ms). */
  checkedAt: number;
  /** The last event answered (a keyed fingerprint: it may hold a PIN) and its answer. */
  answered?: { digest: string; reply: StkReply };
}

const HAN = /\p{Script=Han}/u;
const localeOf = (value: string): Locale => (HAN.test(value) ? 'zh-CN' : 'en');
/** The root menu's items (§6: 1-6); a guest has none of them but the offer to open a wallet. */
const ROOT_ITEMS = new Set([1, 2, 3, 4, 5, 6]);

/** A session's state in the runtime's record: the menu's, and the channel's beside it. */
interface StkState {
  menu: unknown | null;
  stk: StkRecord;
}

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
  const startOf = sessionStartOf(db, config.locale);

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

  /** One step under the session's lock: `scope.saved` is the session's `StkState` (null: none). */
  async function stepLocked(
    scope: StepScope,
    inbound: StkInbound,
    requestId: string | undefined,
  ): Promise<StepOutcome<StkOutcome>> {
    const { sessionId, msisdn, event } = inbound;
    const digest = keys.fingerprint(`stk:${sessionId}:${inbound.canonical}`);
    const saved = scope.saved as StkState | null;
    const record = saved?.stk ?? null;
    if (record?.answered?.digest === digest && (scope.waited || !canAnswer(record.last, inbound)))
      return { answer: { status: 200, reply: record.answered.reply }, unchanged: true };
    const refused = refusal(record?.last ?? null, inbound);
    if (refused) return { answer: { status: 400, error: refused }, unchanged: true };
    if (event.kind === 'end') {
      scope.live?.dispose();
      return { answer: { status: 200, reply: END }, keep: null };
    }
    const now = Date.now();

    /** `command` shown, the record carrying on as `kept`, beside the menu's state `menu` and what it left `live`. */
    const showWith = (
      kept: Omit<StkRecord, 'answered'>,
      command: ProactiveCommand,
      menu: unknown | null,
      live: LiveState | undefined,
    ): StepOutcome<StkOutcome> => {
      const reply = replyOf(command);
      const stk: StkRecord = { ...kept, answered: { digest, reply } };
      return { answer: { status: 200, reply }, keep: { menu, stk } satisfies StkState, live };
    };
    /** `command` shown, the menu as it was (a help page, a page of a long message). */
    const show = (kept: Omit<StkRecord, 'answered'>, command: ProactiveCommand) =>
      showWith(kept, command, saved?.menu ?? null, scope.live ?? undefined);

    /** A step of the flow (`fresh`: a new menu session, the one kept let go), then its screen shown. */
    const stepOf = async (
      start: SessionStart | null,
      flowEvent: StkInbound['input'],
      nav: StkInbound['nav'],
      kept: Pick<StkRecord, 'offered' | 'checkedAt'>,
      fresh = false,
    ): Promise<StepOutcome<StkOutcome>> => {
      if (fresh) scope.live?.dispose();
      const menuScope: StepScope = fresh
        ? { ...scope, saved: null, live: null }
        : { ...scope, saved: saved?.menu ?? null };
      const stepped = await sessions.stepIn(menuScope, 'stk', sessionId, start, flowEvent, {
        nav,
        pages: (screen) => stkCommands(screen).length,
        requestId,
      });
      if ('unchanged' in stepped) throw new Error('a menu step keeps its state or ends');
      // Kept null: the menu session is over, its last screen (a final message) shown first.
      const shown = outstandingOf(stepped.answer);
      const next = { ...kept, last: shown.last, locale: shown.locale };
      return showWith(next, shown.command, stepped.keep, stepped.live);
    };

    if (event.kind === 'menu') {
      // Who starts, read now: the profile, and a request waiting (the session opens on it).
      const begin = await startOf(msisdn)();
      const kept = { offered: begin.request ? [begin.request.holdId] : [], checkedAt: now };
      if (event.help) {
        scope.live?.dispose();
        const shown = help(begin.locale, true);
        return showWith({ ...kept, last: shown.last, locale: begin.locale }, shown.command, null, undefined);
      }
      // The item chosen is applied to the root menu of a user; a request or a guest's offer shows first.
      const choose =
        begin.registered && !begin.request && event.itemId !== undefined && ROOT_ITEMS.has(event.itemId);
      return stepOf(begin, choose ? inbound.input : { type: 'TEXT', text: '' }, undefined, kept, true);
    }

    // Checked above: a step of an open session has its record.
    const open = record as StkRecord;
    const look = now - (open.checkedAt ?? 0) >= config.stkPushCheckMs;
    const pending = look ? await pendingPaymentRequest(db, msisdn) : null;
    const kept = { offered: open.offered, checkedAt: look ? now : open.checkedAt };
    if (pending && !open.offered.includes(pending.holdId)) {
      // The STK-push analogue: the journey in progress gives way to the merchant's request.
      const begin = await startOf(msisdn)();
      const offered = [...open.offered, ...(begin.request ? [begin.request.holdId] : [])];
      return stepOf(begin, { type: 'TEXT', text: '' }, undefined, { ...kept, offered }, true);
    }
    if (event.kind === 'help') {
      const shown = help(open.locale, false);
      return show({ ...open, ...kept, last: shown.last }, shown.command);
    }
    if (event.kind === 'back' && open.last.type === COMMAND.displayText) {
      // Back from the session's last message leaves, as clearing it does (its menu session is over);
      // back from help, the screen it was asked on again.
      if (open.last.final) {
        scope.live?.dispose();
        return { answer: { status: 200, reply: END }, keep: null };
      }
      if (open.last.help) return stepOf(null, { type: 'TEXT', text: '' }, 'repeat', kept);
    }
    const cleared = event.kind === 'ok' || (event.kind === 'input' && open.last.type === COMMAND.displayText);
    if (cleared) {
      const [page, ...rest] = open.last.rest ?? [];
      if (page !== undefined) {
        const command: ProactiveCommand = { type: 'DISPLAY_TEXT', text: page };
        const last: Outstanding = { ...open.last, rest: rest.length > 0 ? rest : undefined };
        return show({ ...open, ...kept, last }, command);
      }
      if (open.last.final) {
        scope.live?.dispose();
        return { answer: { status: 200, reply: END }, keep: null };
      }
      // Help cleared: the screen it was asked on, again; a message that goes on: on to the flow.
      return stepOf(null, { type: 'TEXT', text: '' }, open.last.help ? 'repeat' : undefined, kept);
    }
    const more = event.kind === 'select' && event.itemId === MORE_ITEM && open.last.more;
    return stepOf(null, inbound.input, more ? 'more' : inbound.nav, kept);
  }

  return {
    step(inbound, requestId) {
      return sessions.runtime.step<StkOutcome>({
        channel: 'stk',
        sessionId: inbound.sessionId,
        requestId,
        run: (scope) => stepLocked(scope, inbound, requestId),
      });
    },
  };
}
