/**
 * SMS on the channel seam: the adapter runs the SMS channel over the shared SMPP link when `SMPP_URL` is
 * set; the pure half reads an MO the way the channel does (the sender's MSISDN normalized, the text as
 * the grammar gets it), renders a screen as the SMS parts it goes out in, and maps a failed submit_sm.
 */
import { screenText } from '../../../flows/index.js';
import { normalizeMsisdn } from '../../lib/index.js';
import { type ChannelDefinition, SendError } from '../channel.js';
import { ESME_RINVSRCADR, encodeMt, type InboundPdu } from '../smpp/index.js';
import { startSmsChannel } from './sms.start.js';
import { SmsMetrics } from './sms.metrics.js';

export const smsChannel: ChannelDefinition<InboundPdu> = {
  id: 'sms',

  async create(deps) {
    const metrics = new SmsMetrics();
    const link = deps.smpp({ bindState: (up, name) => metrics.bound.set({ bind: name }, up ? 1 : 0) });
    if (!link) return null;
    const sms = await startSmsChannel(deps, { link, metrics, start: false });
    return {
      id: 'sms',
      start: () => sms.start(),
      stop: () => sms.stop(),
      readiness: { smpp: () => sms.bound },
      queues: () => sms.queues,
      registerMetrics: (registry) => metrics.register(registry),
    };
  },

  normalize(pdu) {
    if (pdu.receipt) return { rejected: 'a delivery receipt is not a message from a user', status: 0 };
    const msisdn = normalizeMsisdn(pdu.source);
    if (!msisdn) return { rejected: `${pdu.source} is not a mobile number`, status: ESME_RINVSRCADR };
    // One user, one conversation: the session is the MSISDN (a pending confirmation is the user's).
    return { msisdn, sessionId: msisdn, input: { type: 'TEXT', text: pdu.text } };
  },

  render: (screen) => encodeMt(screenText(screen)).map((part) => part.text),

  fits: (unit) => encodeMt(unit).length === 1,

  sendError(err) {
    // The link's submit failures are SendErrors already (SmppSubmitError).
    if (err instanceof SendError) return err;
    // Anything else (a bug, Redis away) may pass: the queue tries again.
    return new SendError(err instanceof Error ? err.message : String(err), true, false, { cause: err });
  },
};
