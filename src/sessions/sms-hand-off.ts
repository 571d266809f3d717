/**
 * How another channel hands a user over to SMS (MISSION: the IVR asks, the SMS confirms) without calling
 * the SMS adapter: the user's SMS conversation steps on the session runtime (so the user's `A` answers
 * it), and what it says goes into the outbox, the sink every SMS leaves by.
 */
import { queueOutboxTexts } from '../ledger/index.js';
import { type Db, normalizeMsisdn } from '../lib/index.js';
import type { SmsConversation } from './sms-conversation.js';

export interface SmsHandOff {
  /** Offers `msisdn` a wallet by SMS: the agreement goes out, and the user's `A` by SMS opens it. */
  offerOpen(msisdn: string): Promise<void>;
}

export function createSmsHandOff(options: {
  conversation: Pick<SmsConversation, 'offerOpen'>;
  db: Db;
  /** Wakes the outbox relay (it polls anyway). */
  kick?: () => void;
}): SmsHandOff {
  return {
    async offerOpen(raw) {
      const msisdn = normalizeMsisdn(raw);
      if (!msisdn) throw new Error('not a mobile number');
      const texts = await options.conversation.offerOpen(msisdn);
      await queueOutboxTexts(
        options.db,
        texts.map((text) => ({ msisdn, text, reason: 'agreement' })),
      );
      options.kick?.();
    },
  };
}
