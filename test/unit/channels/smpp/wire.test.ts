import { expect } from 'chai';
import smpp from 'smpp';
import { type Frame, PduReader, parsePdu } from '../../../../src/channels/smpp/smpp.wire.js';

const deliver = (text: Buffer, seq: number) =>
  new smpp.PDU('deliver_sm', {
    sequence_number: seq,
    source_addr: '8613800138000',
    destination_addr: '10658888',
    esm_class: 0x40,
    data_coding: 8,
    short_message: text,
  }).toBuffer();

const kinds = (frames: Frame[]) => frames.map((f) => (f.kind === 'pdu' ? f.pdu.command : f.kind));

describe('SMPP wire', () => {
  it('PduReader – when a PDU arrives split over chunks and two share one – yields each once, whole', () => {
    const a = new smpp.PDU('enquire_link', { sequence_number: 1 }).toBuffer();
    const b = deliver(Buffer.from([5, 0, 3, 1, 2, 1, 0x4f, 0x60]), 2);
    const stream = Buffer.concat([a, b, a]);
    const reader = new PduReader();
    const frames = [
      ...reader.push(stream.subarray(0, 3)),
      ...reader.push(stream.subarray(3, 20)),
      ...reader.push(stream.subarray(20, 40)),
      ...reader.push(stream.subarray(40)),
    ];
    expect(kinds(frames)).to.deep.equal(['enquire_link', 'deliver_sm', 'enquire_link']);
  });

  it('parsePdu – keeps short_message as raw octets, UDH included (no decode filter)', () => {
    const octets = Buffer.from([5, 0, 3, 1, 2, 1, 0x4f, 0x60]);
    const frame = parsePdu(deliver(octets, 9));
    expect(frame.kind).to.equal('pdu');
    if (frame.kind !== 'pdu') return;
    expect(Buffer.isBuffer(frame.pdu.short_message)).to.equal(true);
    expect(frame.pdu.short_message).to.deep.equal(octets);
    expect(frame.pdu.sequence_number).to.equal(9);
  });

  it('parsePdu – when the command id is not SMPP 3.4 – is unknown, with its sequence number', () => {
    const bytes = new smpp.PDU('enquire_link', { sequence_number: 5 }).toBuffer();
    bytes.writeUInt32BE(0x00000777, 4);
    expect(parsePdu(bytes)).to.deep.equal({ kind: 'unknown', commandId: 0x777, sequenceNumber: 5 });
  });

  it('parsePdu – when a TLV overruns the PDU – is malformed', () => {
    const bytes = Buffer.concat([deliver(Buffer.from('hi'), 3), Buffer.from([0x04, 0x24, 0x00, 0x10, 0x41])]);
    bytes.writeUInt32BE(bytes.length, 0);
    expect(parsePdu(bytes)).to.include({ kind: 'malformed', sequenceNumber: 3 });
  });

  it('PduReader – when command_length exceeds the maximum – reports it once and reads the next chunk afresh', () => {
    const reader = new PduReader();
    const bad = Buffer.alloc(16);
    bad.writeUInt32BE(0x7fffffff, 0);
    bad.writeUInt32BE(0x15, 4);
    bad.writeUInt32BE(8, 12);
    const frames = reader.push(bad);
    expect(frames).to.have.length(1);
    expect(frames[0]).to.include({ kind: 'malformed', commandId: 0x15, sequenceNumber: 8 });
    const next = reader.push(new smpp.PDU('enquire_link', { sequence_number: 9 }).toBuffer());
    expect(kinds(next)).to.deep.equal(['enquire_link']);
  });
});
