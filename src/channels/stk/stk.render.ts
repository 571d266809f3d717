/**
 * A screen as SIM Toolkit proactive commands (INTERFACES §6): a menu is a SELECT ITEM, a question a GET
 * INPUT (a PIN hidden and digits only), a message a DISPLAY TEXT. One command holds at most 255 octets
 * in all: a menu longer than that is cut into pages, each but the last ending with a "more" item (id 98,
 * as USSD's `98`), and a long message into DISPLAY TEXTs shown one after the other.
 *
 * STK has its own keys for what the text menus number: "back" and "end" are terminal-response results
 * (0x11, 0x10), "help" is 0x13. So the options `0` (back, exit) and the root menu's help are not items.
 * The screen's language is told by its script, as the USSD pages tell theirs.
 */
import { text } from '../../../flows/texts/index.js';
import type { Screen } from '../channel.js';
import { encodeProactive, type MenuItem, PROACTIVE_MAX, type ProactiveCommand } from './stk.tlv.js';

/** The item that shows the next page of a long menu (`98`, as the USSD `98.More`). */
export const MORE_ITEM = 98;

const HAN = /\p{Script=Han}/u;
const moreLabel = (title: string) => (HAN.test(title) ? '更多' : 'More');
/** Option labels STK's own help key stands for. */
const HELP_LABELS = new Set([text('en', 'flow.menu.help'), text('zh-CN', 'flow.menu.help')]);

/** Whether `command` encodes within one proactive command (its encoder refuses a TLV over 255 octets). */
function fits(command: ProactiveCommand): boolean {
  try {
    return encodeProactive(command).length <= PROACTIVE_MAX;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

/** The items of a menu screen: its options but `0` and help, which STK's keys do. */
export function menuItems(screen: Extract<Screen, { kind: 'menu' }>): MenuItem[] {
  return screen.options
    .filter((o) => o.id !== '0' && !HELP_LABELS.has(o.label) && /^\d{1,3}$/.test(o.id))
    .map((o) => ({ id: Number(o.id), text: o.label }))
    .filter((item) => item.id >= 1 && item.id <= 0xff);
}

/** Pieces of `value` no longer than `fitsOne` allows, cut between lines, inside a line only when it alone is too long. */
function textPieces(value: string, fitsOne: (piece: string) => boolean): string[] {
  const lines = value.split('\n').flatMap((line) => {
    if (fitsOne(line)) return [line];
    const cut: string[] = [];
    let piece = '';
    for (const ch of line) {
      if (piece && !fitsOne(piece + ch)) {
        cut.push(piece);
        piece = '';
      }
      piece += ch;
    }
    if (piece) cut.push(piece);
    return cut;
  });
  const pieces: string[] = [];
  let page: string[] = [];
  for (const line of lines) {
    if (page.length > 0 && !fitsOne([...page, line].join('\n'))) {
      pieces.push(page.join('\n'));
      page = [];
    }
    page.push(line);
  }
  if (page.length > 0) pieces.push(page.join('\n'));
  return pieces;
}

/** A menu as SELECT ITEMs: one, or pages each but the last ending with "more". */
function menuPages(title: string, items: MenuItem[]): ProactiveCommand[] {
  const select = (page: MenuItem[]): ProactiveCommand => ({ type: 'SELECT_ITEM', title, items: page });
  if (fits(select(items))) return [select(items)];
  const more: MenuItem = { id: MORE_ITEM, text: moreLabel(title) };
  const pages: ProactiveCommand[] = [];
  let page: MenuItem[] = [];
  for (const item of items) {
    if (page.length > 0 && !fits(select([...page, item, more]))) {
      pages.push(select([...page, more]));
      page = [];
    }
    page.push(item);
  }
  pages.push(select(page));
  return pages;
}

/**
 * Screens come back again and again (the same menus, the same questions), and fitting one into proactive
 * commands encodes it several times over: the commands of the screens seen lately are kept, by the
 * screen's JSON (a screen holds no secret: a PIN is typed in answer to one, never shown in it).
 */
const seen = new Map<string, readonly ProactiveCommand[]>();
const SEEN_MAX = 512;

/** The proactive commands that show `screen`, in order (one unless it is too long for one). Not to be changed. */
export function stkCommands(screen: Screen): readonly ProactiveCommand[] {
  const key = JSON.stringify(screen);
  let commands = seen.get(key);
  if (!commands) {
    commands = commandsOf(screen);
    if (seen.size >= SEEN_MAX) seen.clear();
    seen.set(key, commands);
  }
  return commands;
}

function commandsOf(screen: Screen): ProactiveCommand[] {
  if (screen.kind === 'menu') {
    // A title too long to leave room for an item keeps its last line (the question; notes go first).
    const items = menuItems(screen);
    const fitting = fits({ type: 'SELECT_ITEM', title: screen.title, items: items.slice(0, 1) })
      ? screen.title
      : (screen.title.split('\n').pop() ?? '');
    return menuPages(fitting, items);
  }
  if (screen.kind === 'prompt') {
    const { minLength, maxLength, digitsOnly, hidden } = screen.input;
    const ask = (value: string): ProactiveCommand => ({
      type: 'GET_INPUT',
      text: value,
      minLength,
      maxLength: Math.min(maxLength, 0xff),
      digitsOnly,
      hidden,
    });
    // One question a command: a prompt too long keeps its last lines (the question itself).
    const pieces = textPieces(screen.text, (piece) => fits(ask(piece)));
    return [ask(pieces[pieces.length - 1])];
  }
  return textPieces(screen.text, (piece) => fits({ type: 'DISPLAY_TEXT', text: piece })).map(
    (piece): ProactiveCommand => ({ type: 'DISPLAY_TEXT', text: piece }),
  );
}

/** A proactive command as text, the way a phone shows it (a menu: its title, then `id.text` an item). */
export function commandText(command: ProactiveCommand): string {
  if (command.type === 'SELECT_ITEM' || command.type === 'SET_UP_MENU')
    return [command.title, ...command.items.map((i) => `${i.id}.${i.text}`)].join('\n');
  return command.text;
}

/** Whether `unit`, as the text of one DISPLAY TEXT, fits one proactive command. */
export const fitsStk = (unit: string): boolean => fits({ type: 'DISPLAY_TEXT', text: unit });
