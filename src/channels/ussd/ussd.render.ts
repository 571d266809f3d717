/**
 * A screen as USSD pages (INTERFACES §4): one page holds at most 182 GSM characters (septets: € takes
 * two), or 80 when it holds anything else (Chinese; UCS2 units: an emoji takes two). A screen too long
 * for one page is cut between its lines (inside a line only when one line alone is too long, never
 * inside a character), and every page but the last ends with `98` for the next one.
 */
import { screenText, ussdLength, ussdLimit } from '../../../flows/index.js';
import type { Screen } from '../channel.js';

const HAN = /\p{Script=Han}/u;

/** The `98` line, in the screen's language (told by its script: the session's locale is not at hand). */
const moreLine = (value: string) => (HAN.test(value) ? '98.更多' : '98.More');

/** Whether `page` fits one USSD message. */
export const fitsUssdPage = (page: string): boolean => ussdLength(page) <= ussdLimit(page);

/** The pages of a screen, in order; one page when it fits. */
export function ussdPages(screen: Screen): string[] {
  const whole = screenText(screen);
  if (fitsUssdPage(whole)) return [whole];
  const more = moreLine(whole);
  // Room for a page's text before its `\n98` line, in the unit of the whole screen's alphabet (a page
  // of a Chinese screen counts in UCS2 units even when it holds no Chinese itself).
  const gsm = ussdLimit(`${whole}${more}`) === 182;
  const cost = (value: string) => (gsm ? ussdLength(value) : value.length);
  const room = (gsm ? 182 : 80) - cost(more) - 1;
  const pieces = whole.split('\n').flatMap((line) => cut(line, room, cost));
  const pages: string[] = [];
  let page: string[] = [];
  for (const piece of pieces) {
    if (page.length > 0 && cost([...page, piece].join('\n')) > room) {
      pages.push(page.join('\n'));
      page = [];
    }
    page.push(piece);
  }
  if (page.length > 0) pages.push(page.join('\n'));
  return pages.map((p, i) => (i < pages.length - 1 ? `${p}\n${more}` : p));
}

/** A line cut into pieces that each take at most `room`, between characters (never half an emoji). */
function cut(line: string, room: number, cost: (value: string) => number): string[] {
  if (cost(line) <= room) return [line];
  const pieces: string[] = [];
  let piece = '';
  for (const ch of line) {
    if (piece && cost(piece + ch) > room) {
      pieces.push(piece);
      piece = '';
    }
    piece += ch;
  }
  if (piece) pieces.push(piece);
  return pieces;
}
