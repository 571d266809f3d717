/**
 * What flows and channels say to each other. Flows are channel-neutral: they take normalized input and
 * emit abstract screens; each channel adapter renders a screen its own way (a USSD page, TwiML, an SMS,
 * an HTML page, an STK proactive command) and turns what the user did into an input.
 */
import type { TextKey } from './texts/index.js';

/** What the user did: typed text (SMS, USSD, WAP form), pressed digits (IVR), picked an item (STK), or nothing. */
export type FlowInput = { type: 'TEXT'; text: string } | { type: 'SELECT'; id: string } | { type: 'TIMEOUT' };

export interface ScreenOption {
  /** What the user types or picks: `1`, `2`, … (USSD, IVR) or the STK item id. */
  id: string;
  label: string;
}

/** Constraints of an input request, for channels that can enforce them (STK GET INPUT, IVR Gather). */
export interface InputSpec {
  minLength: number;
  maxLength: number;
  digitsOnly: boolean;
  /** A PIN: masked on screen, never logged, never kept in a snapshot after use. */
  hidden: boolean;
  /** Answers that would otherwise be navigation keys (`0` days: freeze until unfrozen). Default none. */
  answers?: string[];
  /** The answer may hold a decimal point (an amount in yuan): a keypad channel maps a key to it. */
  decimal?: boolean;
}

/**
 * What a screen says, by the catalog key of its text and that text's parameters, so a front end with
 * words of its own (SMS: "reply A", "reply QX") can say the same thing its way. Screens channels render
 * carry it too, but `screenOf` hands them the screen without it: they show `text` / `title`.
 */
export interface Wording {
  key: TextKey;
  params?: Record<string, string>;
  /** A short note said before the text (the refusal before "enter your PIN again"), already worded. */
  note?: string;
  /** The rows of a list (the statement's transactions, as the command gave them), to list in one's own way. */
  rows?: unknown[];
}

export type Screen =
  /** Numbered options under a title. */
  (
    | { kind: 'menu'; title: string; options: ScreenOption[] }
    /** A question that wants typed input. */
    | { kind: 'prompt'; text: string; input: InputSpec }
    /** A message; `final` ends the session (USSD `END`). */
    | { kind: 'message'; text: string; final: boolean }
  ) & { say?: Wording };
