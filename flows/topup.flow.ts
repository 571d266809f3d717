/**
 * Top up with a recharge card (充值卡): card number (8-20 digits) → card PIN (4-12 digits, hidden) →
 * result with the amount and the new balance. Malformed input is asked again without running anything.
 * The card PIN is not the payment PIN: a wrong one is not counted against the user, so it is not re-asked
 * after the ledger refuses it (one answer, voucher_invalid, for a wrong number or a wrong PIN). Like a
 * payment PIN, it goes from the event straight into the command and never into the context.
 */
import { setup } from 'xstate';
import { digitsInput, moneyOf, prompt, runCommandPlaceholder, saying } from './kit.js';
import { askStep, commandStep, endOnTimeout, type JourneyContext, journeyTypes } from './steps.js';
import { text } from './texts/index.js';

export interface TopupContext extends JourneyContext {
  /** The card's serial number. */
  serial: string;
}

const serialInput = digitsInput(8, 20);
const cardPinInput = { ...digitsInput(4, 12), hidden: true };
const SERIAL = /^\d{8,20}$/;
const CARD_PIN = /^\d{4,12}$/;

export const topupMachine = setup({
  types: journeyTypes<TopupContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'topup',
  context: ({ input }) => ({
    ...input,
    serial: '',
    screen: prompt(text(input.locale, 'flow.topup.serial'), serialInput),
  }),
  initial: 'serial',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    serial: askStep<TopupContext>({
      valid: (answer) => SERIAL.test(answer),
      next: 'cardPin',
      accept: (context, serial) => ({
        serial,
        screen: prompt(text(context.locale, 'flow.topup.pin'), cardPinInput),
      }),
      invalid: (context) => prompt(text(context.locale, 'flow.topup.serial.invalid'), serialInput),
    }),
    cardPin: askStep<TopupContext>({
      valid: (answer) => CARD_PIN.test(answer),
      next: 'toppingUp',
      invalid: (context) => prompt(text(context.locale, 'flow.topup.pin.invalid'), cardPinInput),
    }),
    // The card PIN comes from the event that entered this state and goes straight into the command.
    toppingUp: commandStep<TopupContext>({
      command: (context, cardPin) => ({
        type: 'topup.card',
        input: { msisdn: context.msisdn, serial: context.serial, cardPin },
      }),
      success: (context, value) =>
        saying(context.locale, 'flow.topup.done', {
          amount: moneyOf(value.amount),
          balance: moneyOf(value.balance),
        }),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
