/** Last transactions: the five latest postings, newest first, one short line each. */
import { assign, setup } from 'xstate';
import type { FlowInput, Screen } from './screen.js';
import { text } from './texts/index.js';
import {
  BUSY,
  errorScreen,
  finalMessage,
  fitsUssd,
  type FlowStart,
  moneyOf,
  refusalText,
  runCommandPlaceholder,
} from './kit.js';

export interface StatementContext extends FlowStart {
  screen: Screen;
}

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

export const statementMachine = setup({
  types: {
    context: {} as StatementContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'statement',
  context: ({ input }) => ({ ...input, screen: finalMessage('') }),
  initial: 'asking',
  states: {
    asking: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({ type: 'statement' as const, input: { msisdn: context.msisdn, limit: 5 } }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              event.output.ok
                ? statementScreen(
                    context.locale,
                    Array.isArray(event.output.value.lines) ? (event.output.value.lines as Line[]) : [],
                  )
                : finalMessage(refusalText(context.locale, event.output.error)),
          }),
        },
        onError: {
          target: 'done',
          actions: assign({ screen: ({ context }) => errorScreen(context.locale) }),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
