/**
 * Help: one page saying what the menu does and the SMS keywords to the service number. It asks nothing,
 * so it ends as soon as it starts.
 */
import { setup } from 'xstate';
import { finalMessage, type FlowStart } from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { type Locale, text } from './texts/index.js';

export interface HelpContext extends FlowStart {
  screen: Screen;
}

export const helpScreen = (locale: Locale): Screen => finalMessage(text(locale, 'flow.help'));

export const helpMachine = setup({
  types: {
    context: {} as HelpContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
}).createMachine({
  id: 'help',
  context: ({ input }) => ({ ...input, screen: helpScreen(input.locale) }),
  initial: 'done',
  states: { done: { type: 'final' } },
  output: ({ context }) => context.screen,
});
