/** Last transactions: the five latest postings, newest first, one short line each. */
import { setup } from 'xstate';
import { finalMessage, fitsUssd, type FlowStart, moneyOf, runCommandPlaceholder } from './kit.js';
import type { Screen } from './screen.js';
import { type CommandStepOptions, commandStep, type JourneyContext, journeyTypes } from './steps.js';
import { text } from './texts/index.js';

export type StatementContext = JourneyContext;

interface Line {
  amount?: unknown;
  counterparty?: unknown;
  at?: unknown;
}

/** `11-23 -¥12.50 *9000`: the date, the signed amount, the counterparty (a phone's last four digits). */
function lineText(line: Line): string {
  const amount = String(line.amount ?? '0');
  const negative = amount.startsWith('-');
  const signed = `${negative ? '-' : '+'}${moneyOf(negative ? amount.slice(1) : amount)}`;
  const who = String(line.counterparty ?? '');
  const shortWho = /^\d{11}$/.test(who) ? `*${who.slice(-4)}` : who.slice(0, 8);
  const date = typeof line.at === 'string' ? line.at.slice(5, 10) : '';
  return [date, signed, shortWho].filter(Boolean).join(' ');
}

/** The newest lines that fit one USSD page. */
export function statementScreen(locale: FlowStart['locale'], lines: Line[]): Screen {
  if (lines.length === 0) return finalMessage(text(locale, 'flow.statement.empty'));
  let shown = lines.slice(0, 5).map(lineText);
  let screen = finalMessage([text(locale, 'flow.statement.title'), ...shown].join('\n'));
  while (!fitsUssd(screen) && shown.length > 1) {
    shown = shown.slice(0, -1);
    screen = finalMessage([text(locale, 'flow.statement.title'), ...shown].join('\n'));
  }
  return screen;
}

/** The journey's one step: a host where the keyword is the whole request (SMS) runs it without the journey. */
export const statementStep: CommandStepOptions<StatementContext> = {
  command: (context) => ({ type: 'statement', input: { msisdn: context.msisdn, limit: 5 } }),
  // The lines go with the screen too, for a front end that lists them its own way (SMS).
  success: (context, value) => {
    const lines: Line[] = Array.isArray(value.lines) ? value.lines : [];
    return {
      ...statementScreen(context.locale, lines),
      say: { key: 'flow.statement.title', rows: lines },
    };
  },
};

export const statementMachine = setup({
  types: journeyTypes<StatementContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'statement',
  context: ({ input }) => ({ ...input, screen: finalMessage('') }),
  initial: 'asking',
  states: {
    asking: commandStep(statementStep),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
