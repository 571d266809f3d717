/**
 * A screen as USSD pages (INTERFACES §4): one page holds at most 182 GSM characters, or 80 when it holds
 * anything else (Chinese). A screen too long for one page is cut between its lines (inside a line only
 * when one line alone is too long), and every page but the last ends with `98` for the next one.
 */
import { screenText, ussdLimit } from '../../../flows/index.js';
import type { Screen } from '../channel.js';

const HAN = /\p{Script=Han}/u;

/** The `98` line, in the screen's language (told by its script: the session's locale is not at hand). */
const moreLine = (value: string) => (HAN.test(value) ? '98.更多' : '98.More');

/** Whether `page` fits one USSD message. */
export const fitsUssdPage = (page: string): boolean => [...page].length <= ussdLimit(page);

/** The pages of a screen, in order; one page when it fits. */
export function ussdPages(screen: Screen): string[] {
  const whole = screenText(screen);
  if (fitsUssdPage(whole)) return [whole];
  const more = moreLine(whole);
  // Room for the text of a page that ends with the `98` line (the limit is the tighter one of the two).
  const room = Math.min(ussdLimit(whole), ussdLimit(`${whole}${more}`)) - [...more].length - 1;
  const pieces = whole.split('\n').flatMap((line) => cut(line, room));
  const pages: string[] = [];
  let page: string[] = [];
  const length = (lines: string[]) => [...lines.join('\n')].length;
  for (const piece of pieces) {
    if (page.length > 0 && length([...page, piece]) > room) {
      pages.push(page.join('\n'));
      page = [];
    }
    page.push(piece);
  }
  if (page.length > 0) pages.push(page.join('\n'));
  // The last page needs no `98`: when it would fit with the room that line took, it is merged.
  return pages.map((p, i) => (i < pages.length - 1 ? `${p}\n${more}` : p));
}

/** A line cut into pieces of at most `room` characters (code points, never half an emoji). */
function cut(line: string, room: number): string[] {
  const chars = [...line];
  if (chars.length <= room) return [line];
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += room) pieces.push(chars.slice(i, i + room).join(''));
  return pieces;
}
