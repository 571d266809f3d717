import { expect } from 'chai';
import fc from 'fast-check';
import {
  concatInfo,
  decodeShortMessage,
  encodeMt,
  encodeUssdText,
  type MtPart,
  messageIdForms,
  parseConcat,
  parseDeliveryReceipt,
  sameMessageId,
} from '../../../../src/channels/smpp/smpp.codec.js';
import { decodeMessage, splitUserData, ucs2Encode } from '../../../helpers/spec-codec.js';

// Expected octets are written out from the GSM 03.38 table and the UCS2 code charts; where a long text is
// needed as input or a part has to be read back, the test SMSC's codec (written from the specifications,
// test/helpers/spec-codec.ts) does it, never the codec under test.
const octets = (...bytes: number[]) => Buffer.from(bytes);
const times = (n: number, ...bytes: number[]) => Array.from({ length: n }, () => bytes).flat();

/** A part as a receiver reads it: its text and concatenation header, by the spec codec. */
const received = (part: MtPart) =>
  decodeMessage({
    dataCoding: part.data_coding,
    esmClass: part.esm_class,
    shortMessage: part.short_message,
    messagePayload: null,
  });

/** What a handset would show: each part read as a receiver reads it, joined by sequence. */
function reassemble(parts: MtPart[]): string {
  return parts
    .map(received)
    .sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0))
    .map((part) => part.text)
    .join('');
}

/** Septets of a GSM part's text: its octets after the UDH (an extension character is two). */
const septets = (part: MtPart) => splitUserData(part.short_message, part.esm_class).body.length;

describe('SMPP codec', () => {
  describe('decodeShortMessage', () => {
    it('data_coding 0 – when the octets are GSM septets – reads the default alphabet and the extension table', () => {
      // @ £ $ A ¤ § then ESC-escaped { € [ and a newline
      const octets = Buffer.from([
        0x00, 0x01, 0x02, 0x41, 0x24, 0x5f, 0x1b, 0x28, 0x1b, 0x65, 0x1b, 0x3c, 0x0a,
      ]);
      expect(decodeShortMessage({ data_coding: 0, short_message: octets })).to.equal('@£$A¤§{€[\n');
    });

    it('data_coding 0 – when plain ASCII letters and digits come – reads them unchanged', () => {
      expect(decodeShortMessage({ data_coding: 0, short_message: Buffer.from('ZF 2001 12.50') })).to.equal(
        'ZF 2001 12.50',
      );
    });

    it('data_coding 0 – when an escape precedes a code without extension – shows the basic character', () => {
      expect(decodeShortMessage({ data_coding: 0, short_message: Buffer.from([0x1b, 0x41]) })).to.equal('A');
    });

    it('data_coding 0 – when octets above 0x7F arrive – reads them as Latin-1 rather than garbage', () => {
      expect(decodeShortMessage({ data_coding: 0, short_message: Buffer.from('café', 'latin1') })).to.equal(
        'café',
      );
    });

    it('data_coding 3 – reads Latin-1', () => {
      expect(
        decodeShortMessage({ data_coding: 3, short_message: Buffer.from('Zürich ½', 'latin1') }),
      ).to.equal('Zürich ½');
    });

    it('data_coding 8 – reads UCS2 big-endian, surrogate pairs included', () => {
      // 余 4F59, 额 989D, space 0020, 😀 U+1F600 as the surrogate pair D83D DE00
      const bytes = octets(0x4f, 0x59, 0x98, 0x9d, 0x00, 0x20, 0xd8, 0x3d, 0xde, 0x00);
      expect(decodeShortMessage({ data_coding: 8, short_message: bytes })).to.equal('余额 😀');
    });

    it('data_coding 15 – when a Chinese SMSC sends GBK – reads it as GBK', () => {
      const gbk = Buffer.from([0xd3, 0xe0, 0xb6, 0xee]); // 余额
      expect(decodeShortMessage({ data_coding: 15, short_message: gbk })).to.equal('余额');
    });

    it('message_payload – when present – is read instead of the empty short_message', () => {
      const pdu = {
        data_coding: 8,
        short_message: Buffer.alloc(0),
        message_payload: octets(0x5f, 0x00, 0x90, 0x1a),
      };
      expect(decodeShortMessage(pdu)).to.equal('开通');
    });

    it('esm_class 0x40 – when the raw octets start with a UDH – drops it from the text', () => {
      const pdu = {
        esm_class: 0x40,
        data_coding: 8,
        short_message: octets(5, 0, 3, 9, 2, 1, 0x4f, 0x60, 0x59, 0x7d), // UDH, then 你好
      };
      expect(decodeShortMessage(pdu)).to.equal('你好');
      expect(concatInfo(pdu)).to.deep.equal({ ref: 9, total: 2, seq: 1 });
    });

    it('the smpp package form – when the message is already decoded with UDH as Buffers – takes both as they are', () => {
      const pdu = {
        esm_class: 0x40,
        data_coding: 8,
        short_message: { message: '你好', udh: [Buffer.from([0x08, 4, 0x12, 0x34, 3, 2])] },
      };
      expect(decodeShortMessage(pdu)).to.equal('你好');
      expect(concatInfo(pdu)).to.deep.equal({ ref: 0x1234, total: 3, seq: 2 });
    });
  });

  describe('parseConcat', () => {
    it('when the IE is 0x00 (8-bit reference) – gives ref, total, seq', () => {
      expect(parseConcat(Buffer.from([5, 0x00, 3, 0xab, 4, 3]))).to.deep.equal({
        ref: 0xab,
        total: 4,
        seq: 3,
      });
    });

    it('when the IE is 0x08 (16-bit reference) – gives the 16-bit ref', () => {
      expect(parseConcat(Buffer.from([6, 0x08, 4, 0xbe, 0xef, 2, 2]))).to.deep.equal({
        ref: 0xbeef,
        total: 2,
        seq: 2,
      });
    });

    it('when another IE comes first – skips it and finds the concatenation', () => {
      // application port IE (0x05, 4 octets) then 8-bit concatenation
      const udh = Buffer.from([11, 0x05, 4, 0x0b, 0x84, 0x23, 0xf0, 0x00, 3, 7, 2, 1]);
      expect(parseConcat(udh)).to.deep.equal({ ref: 7, total: 2, seq: 1 });
    });

    it('when the UDH holds no concatenation IE – is null and the text still decodes', () => {
      const pdu = {
        esm_class: 0x40,
        data_coding: 0,
        short_message: Buffer.concat([Buffer.from([4, 0x05, 2, 0x0b, 0x84]), Buffer.from('YE')]),
      };
      expect(concatInfo(pdu)).to.equal(null);
      expect(decodeShortMessage(pdu)).to.equal('YE');
    });

    it('when the header claims seq beyond total – is null', () => {
      expect(parseConcat(Buffer.from([5, 0x00, 3, 1, 2, 3]))).to.equal(null);
    });
  });

  describe('encodeMt', () => {
    it('when the text is plain ASCII – data_coding 0, GSM septets, no UDH', () => {
      const [part, ...rest] = encodeMt('YE 12.50 @home');
      expect(rest).to.have.length(0);
      expect(part).to.include({ data_coding: 0, esm_class: 0, concat: null });
      // Y E sp 1 2 . 5 0 sp, then '@' as septet 00 (not ASCII 40), h o m e
      expect(part.short_message).to.deep.equal(
        octets(0x59, 0x45, 0x20, 0x31, 0x32, 0x2e, 0x35, 0x30, 0x20, 0x00, 0x68, 0x6f, 0x6d, 0x65),
      );
    });

    it('when the text holds Chinese – data_coding 8', () => {
      const [part] = encodeMt('余额: 12.50元');
      expect(part.data_coding).to.equal(8);
      // 余 额 : sp 1 2 . 5 0 元, each a 16-bit code unit, high octet first
      expect(part.short_message).to.deep.equal(
        octets(
          ...[0x4f, 0x59, 0x98, 0x9d, 0x00, 0x3a, 0x00, 0x20, 0x00, 0x31],
          ...[0x00, 0x32, 0x00, 0x2e, 0x00, 0x35, 0x00, 0x30, 0x51, 0x43],
        ),
      );
    });

    it('when the text is GSM but not ASCII (é) – UCS2 by default, data_coding 0 with sevenBit gsm', () => {
      expect(encodeMt('café')[0].data_coding).to.equal(8);
      const [gsm] = encodeMt('café', { sevenBit: 'gsm' });
      expect(gsm.data_coding).to.equal(0);
      expect(gsm.short_message).to.deep.equal(octets(0x63, 0x61, 0x66, 0x05)); // é is septet 05
    });

    it('when the text has a backtick (ASCII without a septet) – UCS2', () => {
      expect(encodeMt('a`b')[0].data_coding).to.equal(8);
    });

    it('GSM – when 160 characters – one SMS; when 161 – two parts of 153 and 8', () => {
      expect(encodeMt('a'.repeat(160))).to.have.length(1);
      const parts = encodeMt('a'.repeat(161), { ref: 0x2a });
      expect(parts.map((p) => p.short_message)).to.deep.equal([
        octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x01, ...times(153, 0x61)),
        octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x02, ...times(8, 0x61)),
      ]);
      expect(parts.map((p) => p.esm_class)).to.deep.equal([0x40, 0x40]);
    });

    it('GSM – when 306 characters – exactly two full parts; 307 – three', () => {
      expect(encodeMt('b'.repeat(306)).map(septets)).to.deep.equal([153, 153]);
      expect(encodeMt('b'.repeat(307))).to.have.length(3);
    });

    it('GSM – when extension characters are in – each counts two and an escape is never split', () => {
      expect(encodeMt('{'.repeat(80))).to.have.length(1); // 160 septets
      expect(encodeMt(`${'{'.repeat(80)}a`)).to.have.length(2);
      // 201 septets: 'a' and 76 '[' (1B 3C each) fill the first part's 153; the other 24 go in the second
      const parts = encodeMt(`a${'['.repeat(100)}`, { ref: 9 });
      expect(parts.map((p) => p.short_message)).to.deep.equal([
        octets(0x05, 0x00, 0x03, 0x09, 0x02, 0x01, 0x61, ...times(76, 0x1b, 0x3c)),
        octets(0x05, 0x00, 0x03, 0x09, 0x02, 0x02, ...times(24, 0x1b, 0x3c)),
      ]);
    });

    it('UCS2 – when 70 characters – one SMS; 71 – two parts of 67 and 4', () => {
      expect(encodeMt('中'.repeat(70))).to.have.length(1);
      const parts = encodeMt('中'.repeat(71), { ref: 1 });
      expect(parts.map((p) => p.short_message)).to.deep.equal([
        octets(0x05, 0x00, 0x03, 0x01, 0x02, 0x01, ...times(67, 0x4e, 0x2d)),
        octets(0x05, 0x00, 0x03, 0x01, 0x02, 0x02, ...times(4, 0x4e, 0x2d)),
      ]);
    });

    it('UCS2 – when 67·n characters – n full parts', () => {
      for (const n of [2, 3, 4]) {
        const parts = encodeMt('文'.repeat(67 * n));
        expect(parts).to.have.length(n);
        expect(parts.every((p) => p.short_message.length === 6 + 134)).to.equal(true);
      }
    });

    it('UCS2 – when a surrogate pair falls on the 67th unit – moves it whole to the next part', () => {
      const text = `${'中'.repeat(66)}😀${'中'.repeat(10)}`;
      const parts = encodeMt(text, { ref: 2 });
      expect(parts.map((p) => p.short_message)).to.deep.equal([
        octets(0x05, 0x00, 0x03, 0x02, 0x02, 0x01, ...times(66, 0x4e, 0x2d)),
        octets(0x05, 0x00, 0x03, 0x02, 0x02, 0x02, 0xd8, 0x3d, 0xde, 0x00, ...times(10, 0x4e, 0x2d)),
      ]);
      expect(parts.map((p) => p.text)).to.deep.equal(['中'.repeat(66), `😀${'中'.repeat(10)}`]);
    });

    it('300 Chinese characters – 5 parts sharing one reference that reassemble to the text', () => {
      const text = Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
      const parts = encodeMt(text);
      expect(parts).to.have.length(5);
      // The reference as the UDH octets carry it (05 00 03 ref 05 seq), and as encodeMt reports it.
      const ref = parts[0].short_message[3];
      expect(parts.map((p) => received(p).concat)).to.deep.equal(
        [1, 2, 3, 4, 5].map((seq) => ({ ref, total: 5, seq })),
      );
      expect(parts.map((p) => p.concat)).to.deep.equal(parts.map((p) => received(p).concat));
      expect(parts.every((p) => p.esm_class === 0x40 && p.short_message.length <= 140)).to.equal(true);
      expect(reassemble(parts)).to.equal(text);
    });

    it('two long messages in a row – get different references', () => {
      const a = encodeMt('x'.repeat(200))[0].short_message[3]; // 05 00 03 ref …
      const b = encodeMt('x'.repeat(200))[0].short_message[3];
      expect(a).to.not.equal(b);
    });

    it('any text – the parts reassemble to it and each fits 140 octets', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), (text) => {
          const parts = encodeMt(text);
          expect(reassemble(parts)).to.equal(text);
          for (const p of parts)
            expect(p.short_message.length).to.be.at.most(p.data_coding === 8 ? 140 : 160);
        }),
        { numRuns: 300 },
      );
    });

    it('when the text needs more than 255 parts – throws a RangeError', () => {
      expect(() => encodeMt('中'.repeat(67 * 255 + 1))).to.throw(RangeError);
    });
  });

  describe('encodeUssdText', () => {
    it('when the text is ASCII – data_coding 0, one septet an octet', () => {
      expect(encodeUssdText('1 YE')).to.deep.equal({
        data_coding: 0,
        short_message: octets(0x31, 0x20, 0x59, 0x45),
      });
    });

    it('when the text is Chinese – data_coding 8, UCS2 big-endian', () => {
      expect(encodeUssdText('余额')).to.deep.equal({
        data_coding: 8,
        short_message: octets(0x4f, 0x59, 0x98, 0x9d),
      });
    });

    it('at 182 septets or 80 UCS2 characters – fits; one more – RangeError, never split', () => {
      expect(encodeUssdText('a'.repeat(182)).short_message.length).to.equal(182);
      expect(() => encodeUssdText('a'.repeat(183))).to.throw(RangeError, /182 septets, this one 183/);
      expect(() => encodeUssdText('{'.repeat(92))).to.throw(RangeError, /this one 184/);
      expect(encodeUssdText('额'.repeat(80)).short_message.length).to.equal(160);
      expect(() => encodeUssdText('额'.repeat(81))).to.throw(RangeError, /80 UCS2 characters, this one 81/);
    });
  });

  describe('parseDeliveryReceipt', () => {
    const text = (s: string) => Buffer.from(s, 'latin1');

    it('when esm_class is not a receipt – is null', () => {
      expect(parseDeliveryReceipt({ esm_class: 0, short_message: text('id:1 stat:DELIVRD') })).to.equal(null);
    });

    it('when the TLVs are present – prefers receipted_message_id and message_state', () => {
      const receipt = parseDeliveryReceipt({
        esm_class: 0x04,
        receipted_message_id: 'ABC123',
        message_state: 5,
        short_message: text(
          'id:999 sub:001 dlvrd:001 submit date:2611231200 done date:2611231201 stat:DELIVRD err:000',
        ),
      });
      expect(receipt).to.deep.equal({ messageId: 'ABC123', state: 'undeliverable' });
    });

    it('message_state 1-8 – map to enroute … rejected', () => {
      const states = [1, 2, 3, 4, 5, 6, 7, 8].map(
        (n) => parseDeliveryReceipt({ esm_class: 0x04, receipted_message_id: 'x', message_state: n })?.state,
      );
      expect(states).to.deep.equal([
        'enroute',
        'delivered',
        'expired',
        'deleted',
        'undeliverable',
        'accepted',
        'unknown',
        'rejected',
      ]);
    });

    it('when only the text form is there – reads id, stat and a non-zero err', () => {
      const receipt = parseDeliveryReceipt({
        esm_class: 0x04,
        data_coding: 0,
        short_message: text(
          'id:0123456789 sub:001 dlvrd:000 submit date:2611231200 done date:2611231201 stat:UNDELIV err:034 text:hello',
        ),
      });
      expect(receipt).to.deep.equal({ messageId: '0123456789', state: 'undeliverable', error: '034' });
    });

    it('when the receipt comes UCS2-coded with other esm_class bits – is still read', () => {
      const receipt = parseDeliveryReceipt({
        esm_class: 0x04 | 0x80,
        data_coding: 8,
        short_message: ucs2Encode(
          'id:77 sub:001 dlvrd:001 submit date:2611231200 done date:2611231201 stat:DELIVRD err:000',
        ),
      });
      expect(receipt).to.deep.equal({ messageId: '77', state: 'delivered' });
    });

    it('when a receipt says nothing usable – still a receipt, id empty and state unknown', () => {
      expect(parseDeliveryReceipt({ esm_class: 0x04, short_message: text('garbage') })).to.deep.equal({
        messageId: '',
        state: 'unknown',
      });
    });
  });

  describe('sameMessageId', () => {
    it('when one side is hex and the other decimal – matches (1A2B = 6699)', () => {
      expect(sameMessageId('1A2B', '6699')).to.equal(true);
      expect(sameMessageId('6699', '1a2b')).to.equal(true);
    });

    it('when case and leading zeros differ – matches', () => {
      expect(sameMessageId('00ab12', 'AB12')).to.equal(true);
    });

    it('when the ids differ – does not match', () => {
      expect(sameMessageId('1A2B', '6698')).to.equal(false);
      expect(sameMessageId('msg-1', 'msg-2')).to.equal(false);
    });

    it('messageIdForms – lists the normalized id and its other-base twin for a store lookup', () => {
      expect(messageIdForms('0001A2B')).to.deep.equal(['1a2b', '6699']);
    });
  });
});
