/**
 * USSD over SMPP on the channel seam (INTERFACES §4 "USSD over SMPP"): on the bind SMS uses, each USSD
 * deliver_sm is one step of the caller's menu session, the same sessions, menus, texts and limits as
 * HTTP USSD (ussd.session.ts); the dialog (unique per dial) is the session, the dialog's step count names
 * the request among redeliveries, and a dialog the user or the network ended closes its session.
 */
import { normalizeMsisdn } from '../../lib/index.js';
import { type ChannelDefinition, SendError } from '../channel.js';
import { ESME_RX_P_APPN, encodeUssdText, type InboundPdu } from '../smpp/index.js';
import { ussdAnswer } from './ussd.path.js';
import { ussdPages } from './ussd.render.js';
import { createUssdSessions, type UssdSessionDeps } from './ussd.session.js';
import { decodeUssd } from './ussd-smpp.ops.js';
import { type UssdStepHandler, UssdSmppDialogs } from './ussd-smpp.dialogs.js';

/** The step handler the dialogs call: the menu session of the dialog, one step per PDU. */
export function ussdSmppSteps(deps: UssdSessionDeps): UssdStepHandler {
  const ussd = createUssdSessions(deps);
  return async (step) => {
    if (step.kind === 'end') {
      await ussd.end(step.msisdn, step.dialog);
      return null;
    }
    const dial = step.kind === 'begin';
    return ussd.step({
      msisdn: step.msisdn,
      sessionId: step.dialog,
      dial,
      request: step.requestKey,
      // A dial opens the session at its first screen; every later PDU carries one answer alone.
      inputOf: () => (dial ? { input: { type: 'TEXT', text: '' } } : ussdAnswer(step.text)),
    });
  };
}

/** Fits one USSD submit_sm as the link encodes it (GSM 7-bit, else UCS2; never split). */
function fitsUssdSubmit(page: string): boolean {
  try {
    encodeUssdText(page, { sevenBit: 'gsm' });
    return true;
  } catch {
    return false;
  }
}

export const ussdSmppChannel: ChannelDefinition<InboundPdu> = {
  id: 'ussd-smpp',

  async create(deps) {
    const link = deps.smpp();
    if (!link) return null;
    const dialogs = new UssdSmppDialogs({
      endpoint: link,
      handler: ussdSmppSteps(deps),
      serviceCode: deps.config.ussdServiceCode,
      logger: deps.logger.child({ component: 'ussd-smpp' }),
    });
    // Registered before any adapter starts the link: no USSD PDU finds the bind without its handler.
    dialogs.start();
    return { id: 'ussd-smpp', stop: () => dialogs.drained() };
  },

  normalize(pdu) {
    const ussd = decodeUssd(pdu);
    if (!ussd) return { rejected: 'not a USSD PDU this gateway can read', status: ESME_RX_P_APPN };
    const msisdn = normalizeMsisdn(pdu.source);
    if (!msisdn) return { rejected: `${pdu.source} is not a mobile number`, status: ESME_RX_P_APPN };
    const answer =
      ussd.kind === 'continue' ? ussdAnswer(pdu.text) : { input: { type: 'TEXT' as const, text: '' } };
    return {
      msisdn,
      sessionId: `${msisdn}:${ussd.dialog}`,
      ...answer,
    };
  },

  render: ussdPages,
  fits: fitsUssdSubmit,

  sendError(err) {
    // The link's submit failures are SendErrors already (SmppSubmitError).
    if (err instanceof SendError) return err;
    return new SendError(err instanceof Error ? err.message : String(err), false, false, { cause: err });
  },
};
