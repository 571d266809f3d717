/**
 * What every journey shares: its input and output, the command request it hands to `runCommand`, screen
 * builders (prompts, choice menus, the PIN asked again), guards, refusal codes turned into friendly
 * texts, and the USSD size rule screens must keep.
 */
import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { CommandPayload, CommandResult, CommandType } from '../src/commands/index.js';
import { fenFromJson, gsmSeptets, isGsm } from '../src/lib/index.js';
import type { InputSpec, Screen, Wording } from './screen.js';
import { type Locale, money, refusalText, refusalWording, type TextKey, text } from './texts/index.js';

/** A journey's input: who is using it and in which language. */
export interface FlowStart {
  msisdn: string;
  locale: Locale;
}

/** What a flow asks `runCommand` for: a command without its idempotency key (the session runner adds it). */
export type CommandRequest = { [T in CommandType]: { type: T; input: CommandPayload<T> } }[CommandType];

/**
 * The named actor flows ask for commands through. A placeholder: the session runner binds it to the
 * command bus, tests to a fake, both with `machine.provide({ actors: { runCommand } })`.
 */
export const runCommandPlaceholder = fromPromise<CommandResult, CommandRequest>(async () => {
  throw new Error('runCommand is not bound: provide it with machine.provide()');
});

/** The logic `runCommand` is bound to: a command request in, a command result out. */
export type RunCommandLogic = PromiseActorLogic<CommandResult, CommandRequest>;

/**
 * The named actor a menu hands an opening to SMS through (a channel that cannot show the agreement: the
 * IVR). A placeholder like `runCommand`: the session runner binds it to the SMS hand-off.
 */
export const offerOpenPlaceholder = fromPromise<void, { msisdn: string }>(async () => {
  throw new Error('offerOpen is not bound: provide it with machine.provide()');
});

/** The logic `offerOpen` is bound to: the caller's MSISDN in; the agreement goes out by SMS. */
export type OfferOpenLogic = PromiseActorLogic<void, { msisdn: string }>;

/**
 * How a journey ends: the final screen it leaves, or a step back to the menu that invoked it (in the
 * language now chosen, with a note to show on top of the menu).
 */
export type JourneyOutput = Screen | BackToMenu;
export interface BackToMenu {
  kind: 'back';
  locale: Locale;
  note: string;
}

/** States that wait for `runCommand` carry this tag; a session is saved only when none does. */
export const BUSY = 'busy';

export const digitsInput = (minLength: number, maxLength: number): InputSpec => ({
  minLength,
  maxLength,
  digitsOnly: true,
  hidden: false,
});
export const amountInput: InputSpec = {
  minLength: 1,
  maxLength: 12,
  digitsOnly: false,
  hidden: false,
  decimal: true,
};
export const pinInput: InputSpec = { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true };

export const prompt = (textValue: string, input: InputSpec, say?: Wording): Screen => ({
  kind: 'prompt',
  text: textValue,
  input,
  ...(say ? { say } : {}),
});
export const finalMessage = (textValue: string, say?: Wording): Screen => ({
  kind: 'message',
  text: textValue,
  final: true,
  ...(say ? { say } : {}),
});

/** A prompt in the catalog's words, saying which (see `Wording`): what a front end with words of its own reads. */
export const asking = (
  locale: Locale,
  key: TextKey,
  params: Record<string, string>,
  input: InputSpec,
): Screen => prompt(text(locale, key, params), input, { key, params });

/** A final message in the catalog's words, saying which (see `Wording`). */
export const saying = (locale: Locale, key: TextKey, params: Record<string, string> = {}): Screen =>
  finalMessage(text(locale, key, params), { key, params });

/** The text a user typed, or the item picked (STK), trimmed; '' for a timeout. */
export function typed(event: { type: string; text?: string; id?: string }): string {
  if (event.type === 'TEXT') return (event.text ?? '').trim();
  if (event.type === 'SELECT') return (event.id ?? '').trim();
  return '';
}

/** A guard: the user typed (or picked) one of these options. */
export const chose =
  (...ids: string[]) =>
  ({ event }: { event: { type: string; text?: string; id?: string } }) =>
    ids.includes(typed(event));

/** A guard for a command's outcome: the ledger refused the PIN but has not locked payments yet. */
export const refusedPin = ({ event }: { event: unknown }): boolean => {
  const output = (event as { output?: CommandResult }).output;
  return output?.ok === false && output.error.code === 'wrong_pin';
};

/** The PIN asked again after a wrong one, saying how many attempts are left. */
export function pinRetryScreen(locale: Locale, output: CommandResult): Screen {
  const refusal = output.ok ? '' : refusalText(locale, output.error);
  const again = text(locale, 'flow.pin.again');
  return prompt(refusal ? `${refusal}\n${again}` : again, pinInput, {
    key: 'flow.pin.again',
    ...(refusal ? { note: refusal } : {}),
  });
}

/** A screen with a short note on top (an error, a confirmation), when the page has room for it. */
export function noted(note: string, screen: Screen): Screen {
  if (!note) return screen;
  const withNote: Screen =
    screen.kind === 'menu'
      ? { ...screen, title: `${note}\n${screen.title}` }
      : { ...screen, text: `${note}\n${screen.text}` };
  return fitsUssd(withNote) ? withNote : screen;
}

/** Numbered options under a title; `invalid` puts the "invalid option" note on top. */
export function choiceMenu(
  locale: Locale,
  title: string,
  options: [id: string, label: TextKey][],
  invalid = false,
  say?: Wording,
): Screen {
  const screen: Screen = {
    kind: 'menu',
    title,
    options: options.map(([id, label]) => ({ id, label: text(locale, label) })),
    ...(say ? { say } : {}),
  };
  return invalid ? noted(text(locale, 'flow.menu.invalid'), screen) : screen;
}

/** A confirm-or-cancel menu under the question `question` (a catalog key, kept as the screen's wording). */
export const confirmMenu = (
  locale: Locale,
  question: TextKey,
  params: Record<string, string> = {},
  invalid = false,
): Screen =>
  choiceMenu(
    locale,
    text(locale, question, params),
    [
      ['1', 'flow.confirm'],
      ['2', 'flow.cancel'],
    ],
    invalid,
    { key: question, params },
  );

/** A name short enough to keep every screen within one USSD page. */
export function clip(name: string, max = 12): string {
  return name.length > max ? `${name.slice(0, max - 1)}.` : name;
}

/** Fen from a command result field (a decimal string), printed `¥12.50`; '' when absent. */
export function moneyOf(value: unknown): string {
  const fen = fenFromJson(value);
  return fen === null ? '' : money(fen);
}

export { refusalText };

/** How a channel with one text page would show the screen (a USSD adapter may render it its own way). */
export function screenText(screen: Screen): string {
  if (screen.kind === 'menu')
    return [screen.title, ...screen.options.map((o) => `${o.id}.${o.label}`)].join('\n');
  return screen.text;
}

/** At most 182 GSM 03.38 characters, or 80 when anything else (Chinese) is in it. */
export function ussdLimit(value: string): number {
  return isGsm(value) ? 182 : 80;
}

/**
 * How much of a USSD page `value` takes, in the unit `ussdLimit` counts: GSM septets (an extension
 * character such as € takes two), else UCS2 code units (an emoji takes two).
 */
export function ussdLength(value: string): number {
  if (!isGsm(value)) return value.length;
  let septets = 0;
  for (const ch of value) septets += gsmSeptets(ch);
  return septets;
}

export function fitsUssd(screen: Screen): boolean {
  const value = screenText(screen);
  return ussdLength(value) <= ussdLimit(value);
}

/** The final screen after a command ran: its success screen, or the refusal in the user's words. */
export function resultScreen(
  locale: Locale,
  output: CommandResult,
  success: (value: Record<string, unknown>) => Screen,
): Screen {
  if (output.ok) return success(output.value);
  const { key, params } = refusalWording(output.error);
  return saying(locale, key, params);
}

/** The final screen when a command could not be run at all. */
export const errorScreen = (locale: Locale): Screen => saying(locale, 'flow.error');

/** The final screen when the user stopped answering. */
export const timeoutScreen = (locale: Locale): Screen => finalMessage(text(locale, 'flow.timeout'));
