/**
 * The Africa's Talking `text` field is every input of the session so far joined by `*` (empty on the
 * dial). What the user typed now is what this `text` adds to the path answered before, so an input that
 * itself holds a `*` stays one input (and is refused whole as malformed, never read as two). The
 * navigation keys of §4 are read here: `0` back, `00` home, `98` the next page.
 */
import type { FlowInput } from '../../../flows/index.js';
import type { Navigation } from '../../sessions/index.js';

export interface UssdInput {
  input: FlowInput;
  nav?: Navigation;
}

const NAVIGATION: Record<string, Navigation> = { '0': 'back', '00': 'home', '98': 'more' };

/** The input in `text` after the path `last` answered before (none: a new session shows its first screen). */
export function ussdInput(text: string, last: string | undefined, isNew: boolean): UssdInput {
  if (isNew) return { input: { type: 'TEXT', text: '' } };
  let typed: string;
  if (last === undefined || last === '') typed = text;
  else if (text.startsWith(`${last}*`)) typed = text.slice(last.length + 1);
  // Not an extension of the path (a gateway that sends the last input alone): the text is the input.
  else typed = text;
  return ussdAnswer(typed);
}

/** One answer as typed (USSD over SMPP sends each alone): the flow input, or a navigation key. */
export function ussdAnswer(typed: string): UssdInput {
  const nav = NAVIGATION[typed.trim()];
  return nav ? { input: { type: 'TEXT', text: typed }, nav } : { input: { type: 'TEXT', text: typed } };
}
