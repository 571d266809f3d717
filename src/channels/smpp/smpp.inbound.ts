/**
 * A deliver_sm / data_sm, parsed raw by smpp.wire, turned into what the MO handler receives: addresses,
 * decoded text, concatenation header, for a delivery receipt what it reports, and for USSD its TLVs.
 */
import {
  concatInfo,
  type DecodeOptions,
  decodeShortMessage,
  type MessagePdu,
  parseDeliveryReceipt,
} from './smpp.codec.js';
import type { InboundPdu, UssdTlvs } from './smpp.types.js';
import type { Pdu } from './smpp.wire.js';

const hex = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : '');

export function toInbound(pdu: Pdu, options: DecodeOptions = {}): Omit<InboundPdu, 'session'> {
  const message = pdu as unknown as MessagePdu;
  const raw: InboundPdu['raw'] = {
    shortMessage: hex(pdu.short_message),
    sequenceNumber: pdu.sequence_number,
  };
  if (pdu.message_payload instanceof Uint8Array) raw.messagePayload = hex(pdu.message_payload);
  const serviceType = String(pdu.service_type ?? '');
  return {
    command: pdu.command as InboundPdu['command'],
    source: String(pdu.source_addr ?? ''),
    sourceTon: Number(pdu.source_addr_ton ?? 0),
    destination: String(pdu.destination_addr ?? ''),
    esmClass: Number(pdu.esm_class ?? 0),
    dataCoding: Number(pdu.data_coding ?? 0),
    text: decodeShortMessage(message, options),
    udh: concatInfo(message),
    receipt: parseDeliveryReceipt(message, options),
    serviceType,
    ussd: ussdTlvs(pdu, serviceType),
    raw,
  };
}

/**
 * The USSD TLVs, or null for a PDU that is not USSD. The `smpp` package reads `ussd_service_op` as an
 * int8 (a number) and `its_session_info` as raw octets (a Buffer); a vendor writing the op as a longer
 * octet string still gives its first octet.
 */
function ussdTlvs(pdu: Pdu, serviceType: string): UssdTlvs | null {
  const op = pdu.ussd_service_op;
  if (serviceType.toUpperCase() !== 'USSD' && op === undefined) return null;
  const info = pdu.its_session_info;
  return {
    serviceOp: typeof op === 'number' ? op : null,
    sessionInfo: info instanceof Uint8Array ? Buffer.from(info) : null,
  };
}
