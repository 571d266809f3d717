/**
 * USSD over SMPP (INTERFACES §4), what the PDUs mean: which `ussd_service_op` opens or continues a
 * dialog, which the gateway answers with, and where `its_session_info` (0x1383) keeps the end of the
 * dialog. The values follow the "SMPP for USSD" convention, but USSD centres differ here (Vumi keeps a
 * processor per vendor: 6D, Mica... with other op values, the end in the op instead of the session bit,
 * another service_type), so every such value sits in the one table below: a centre that speaks
 * otherwise changes the table, nothing else.
 *
 * its_session_info is two octets: the dialog's number in octet 1 and bits 7-1 of octet 2, and bit 0 of
 * octet 2 set on the PDU that ends the dialog (by whichever side ends it).
 */
import type { InboundPdu } from '../smpp/index.js';

export type UssdKind = 'begin' | 'continue' | 'end';

/** The mapping this gateway speaks. */
export const USSD_SMPP = {
  /** service_type of the screens we send (and of the PDUs we take, the link also accepting any op TLV). */
  serviceType: 'USSD',
  /** ussd_service_op received → what it does: 1 PSSR indication (dialled), 18 USSR confirm (answered). */
  inbound: new Map<number, Exclude<UssdKind, 'end'>>([
    [1, 'begin'],
    [18, 'continue'],
  ]),
  /** ussd_service_op sent: 2 USSR request for a screen that wants input, 17 PSSR response for the last. */
  outbound: { input: 2, last: 17 },
  /** Bit of its_session_info's second octet that ends the dialog. */
  endBit: 0x01,
} as const;

/** A USSD PDU as the dialogs read it. */
export interface UssdPdu {
  kind: UssdKind;
  /** its_session_info without its end bit, in hex (`1234`): the dialog's number at the USSD centre. */
  dialog: string;
  /** The dialled string (`begin`), the user's answer (`continue`), whatever came with an `end`. */
  text: string;
}

/** A screen to show: `final` ends the dialog (END), otherwise it asks for input (CON). */
export interface UssdScreen {
  text: string;
  final: boolean;
}

/** What `submitUssd` needs of a screen, beyond its addresses. */
export interface UssdSubmitFields {
  text: string;
  op: number;
  sessionInfo: Buffer;
  serviceType: string;
}

/**
 * Reads a PDU's USSD TLVs: null when it is not USSD, has no two-octet its_session_info, or carries an
 * op the table does not map (nothing here can serve it). The end bit wins over the op.
 */
export function decodeUssd(pdu: Pick<InboundPdu, 'ussd' | 'text'>): UssdPdu | null {
  const info = pdu.ussd?.sessionInfo;
  if (!pdu.ussd || !info || info.length !== 2) return null;
  const dialog = Buffer.from([info[0], info[1] & ~USSD_SMPP.endBit]).toString('hex');
  if (info[1] & USSD_SMPP.endBit) return { kind: 'end', dialog, text: pdu.text };
  const kind = pdu.ussd.serviceOp === null ? undefined : USSD_SMPP.inbound.get(pdu.ussd.serviceOp);
  return kind ? { kind, dialog, text: pdu.text } : null;
}

/**
 * The submit of a screen in the dialog whose its_session_info is `sessionInfo`: that echoed, its end bit
 * set exactly on the final screen, and the op for "wants input" or "last".
 */
export function encodeUssd(screen: UssdScreen, sessionInfo: Buffer): UssdSubmitFields {
  const echoed = Buffer.from(sessionInfo);
  if (screen.final) echoed[1] |= USSD_SMPP.endBit;
  else echoed[1] &= ~USSD_SMPP.endBit;
  return {
    text: screen.text,
    op: screen.final ? USSD_SMPP.outbound.last : USSD_SMPP.outbound.input,
    sessionInfo: echoed,
    serviceType: USSD_SMPP.serviceType,
  };
}
