import { expect } from 'chai';
import { toInbound } from '../../../../src/channels/smpp/smpp.inbound.js';
import { parsePdu } from '../../../../src/channels/smpp/smpp.wire.js';
import { decodeUssd, encodeUssd } from '../../../../src/channels/ussd/ussd-smpp.ops.js';

/**
 * A deliver_sm written octet by octet (SMPP 3.4 §4.6.1): service_type, addresses, esm_class 0,
 * data_coding 0, then the TLVs ussd_service_op (0x0501, 1 octet) and its_session_info (0x1383, 2 octets)
 * unless `sms` asks for a plain MO.
 */
function deliverSm(op: number, sessionInfo: number[], text: string, sms = false): Buffer {
  const cstring = (s: string) => [...Buffer.from(s, 'latin1'), 0x00];
  // biome-ignore format: one field a line, as the specification lists them
  const body = [
    ...cstring(sms ? '' : 'USSD'),
    0x01, 0x01, ...cstring('8613800138000'),
    0x00, 0x00, ...cstring(sms ? '10658888' : '*1065#'),
    0x00, 0x00, 0x00, // esm_class, protocol_id, priority_flag
    0x00, 0x00, // schedule_delivery_time, validity_period (empty C strings)
    0x00, 0x00, 0x00, 0x00, // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
    text.length, ...Buffer.from(text, 'latin1'),
    ...(sms ? [] : [0x05, 0x01, 0x00, 0x01, op, 0x13, 0x83, 0x00, 0x02, ...sessionInfo]),
  ];
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(0x00000005, 4); // deliver_sm
  header.writeUInt32BE(0, 8);
  header.writeUInt32BE(7, 12);
  return Buffer.concat([header, Buffer.from(body)]);
}

function inbound(bytes: Buffer) {
  const frame = parsePdu(bytes);
  if (frame.kind !== 'pdu') throw new Error(`not parsed: ${frame.kind}`);
  return toInbound(frame.pdu);
}

describe('USSD over SMPP – ops', () => {
  it('a real deliver_sm – the smpp package reads ussd_service_op as a number and its_session_info as a Buffer', () => {
    const pdu = inbound(deliverSm(0x01, [0x12, 0x34], '*1065#'));
    expect(pdu.serviceType).to.equal('USSD');
    expect(pdu.text).to.equal('*1065#');
    expect(pdu.ussd?.serviceOp).to.equal(1);
    expect(Buffer.isBuffer(pdu.ussd?.sessionInfo)).to.equal(true);
    expect(pdu.ussd?.sessionInfo?.toString('hex')).to.equal('1234');
  });

  it('an SMS deliver_sm – carries no USSD TLVs', () => {
    expect(inbound(deliverSm(0, [], 'YE', true))).to.include({ serviceType: '', ussd: null, text: 'YE' });
  });

  it('decode – op 1 (PSSR indication) – begin, the dialled string, the dialog named by its_session_info', () => {
    expect(decodeUssd(inbound(deliverSm(0x01, [0x12, 0x34], '*1065#')))).to.deep.equal({
      kind: 'begin',
      dialog: '1234',
      text: '*1065#',
    });
  });

  it('decode – op 18 (USSR confirm) – continue with the answer', () => {
    expect(decodeUssd(inbound(deliverSm(0x12, [0x12, 0x34], '1')))).to.deep.equal({
      kind: 'continue',
      dialog: '1234',
      text: '1',
    });
  });

  it('decode – bit 0 of the second octet set – end, in the same dialog as without the bit', () => {
    expect(decodeUssd(inbound(deliverSm(0x12, [0x12, 0x35], '')))).to.deep.equal({
      kind: 'end',
      dialog: '1234',
      text: '',
    });
  });

  it('decode – not USSD, no or a short its_session_info, an op the table lacks – null', () => {
    expect(decodeUssd({ ussd: null, text: 'YE' })).to.equal(null);
    expect(decodeUssd({ ussd: { serviceOp: 1, sessionInfo: null }, text: '*1065#' })).to.equal(null);
    expect(decodeUssd({ ussd: { serviceOp: 1, sessionInfo: Buffer.from([0x12]) }, text: '' })).to.equal(null);
    expect(
      decodeUssd({ ussd: { serviceOp: 0x20, sessionInfo: Buffer.from([0x12, 0x34]) }, text: '' }),
    ).to.equal(null);
    expect(
      decodeUssd({ ussd: { serviceOp: null, sessionInfo: Buffer.from([0x12, 0x34]) }, text: '' }),
    ).to.equal(null);
  });

  it('encode – a screen wanting input – op 2 (USSR request), its_session_info echoed, end bit clear', () => {
    const fields = encodeUssd({ text: '1 balance 2 exit', final: false }, Buffer.from([0x12, 0x34]));
    expect({ ...fields, sessionInfo: fields.sessionInfo.toString('hex') }).to.deep.equal({
      text: '1 balance 2 exit',
      op: 2,
      sessionInfo: '1234',
      serviceType: 'USSD',
    });
  });

  it('encode – the last screen – op 17 (PSSR response), end bit set; the caller’s Buffer untouched', () => {
    const received = Buffer.from([0xab, 0xcc]);
    const fields = encodeUssd({ text: 'balance ¥1.00', final: true }, received);
    expect(fields.op).to.equal(17);
    expect(fields.sessionInfo.toString('hex')).to.equal('abcd');
    expect(received.toString('hex')).to.equal('abcc');
  });

  it('encode – a screen wanting input after a PDU with the end bit – the bit cleared', () => {
    const fields = encodeUssd({ text: 'again?', final: false }, Buffer.from([0xab, 0xcd]));
    expect(fields.sessionInfo.toString('hex')).to.equal('abcc');
  });
});
