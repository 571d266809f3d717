/**
 * The test SMSC's codec (test/helpers/spec-codec.ts) against octets written out by hand from GSM 03.38
 * (TS 23.038 §6.2.1 and its extension table), UCS2 code charts and TS 23.040 §9.2.3.24.1/.8: the integration
 * tests trust it to write the MOs the gateway reads and to read the MTs the gateway writes.
 */
import { expect } from 'chai';
import {
  codingFor,
  concatUdh,
  decodeMessage,
  gsmDecode,
  gsmEncode,
  latin1Encode,
  splitText,
  ucs2Decode,
  ucs2Encode,
} from '../../helpers/spec-codec.js';

const octets = (...bytes: number[]) => Buffer.from(bytes);
const times = (n: number, ...bytes: number[]) => Array.from({ length: n }, () => bytes).flat();

describe('test SMSC spec codec – against hand-written octets', () => {
  describe('GSM 7-bit default alphabet (data_coding 0, one septet an octet)', () => {
    it('YE – 59 45', () => {
      expect(gsmEncode('YE')).to.deep.equal(octets(0x59, 0x45));
    });

    it('a text with € – the escape 1B then 65 from the extension table', () => {
      expect(gsmEncode('ZF 5€')).to.deep.equal(octets(0x5a, 0x46, 0x20, 0x35, 0x1b, 0x65));
    });

    it('every extension character – 1B then its code: FF 0A, ^ 14, { 28, } 29, \\ 2F, [ 3C, ~ 3D, ] 3E, | 40, € 65', () => {
      expect(gsmEncode('\f^{}\\[~]|€')).to.deep.equal(
        octets(
          ...[0x1b, 0x0a, 0x1b, 0x14, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x2f],
          ...[0x1b, 0x3c, 0x1b, 0x3d, 0x1b, 0x3e, 0x1b, 0x40, 0x1b, 0x65],
        ),
      );
    });

    it('characters where GSM is not ASCII – @ 00, £ 01, $ 02, ¥ 03, é 05, Ç 09, Δ 10, _ 11, Ξ 1A, ¤ 24, ¡ 40, § 5F, ¿ 60, à 7F', () => {
      expect(gsmEncode('@£$¥éÇΔ_Ξ¤¡§¿à')).to.deep.equal(
        octets(0x00, 0x01, 0x02, 0x03, 0x05, 0x09, 0x10, 0x11, 0x1a, 0x24, 0x40, 0x5f, 0x60, 0x7f),
      );
    });

    it('when a character is in neither table (中, `) – refuses with a RangeError', () => {
      expect(() => gsmEncode('中')).to.throw(RangeError);
      expect(() => gsmEncode('a`b')).to.throw(RangeError);
    });

    it('decoding – 00 01 1B 28 1B 65 0A gives "@£{€\\n"', () => {
      expect(gsmDecode(octets(0x00, 0x01, 0x1b, 0x28, 0x1b, 0x65, 0x0a))).to.equal('@£{€\n');
    });

    it('decoding – an escape before a code without extension (1B 41) shows the default character A', () => {
      expect(gsmDecode(octets(0x1b, 0x41))).to.equal('A');
    });

    it('decoding – 1B 1B and a last 1B show a space; an octet above 7F is U+FFFD', () => {
      expect(gsmDecode(octets(0x59, 0x1b, 0x1b, 0x45, 0x1b))).to.equal('Y E ');
      expect(gsmDecode(octets(0x59, 0xe9))).to.equal('Y\ufffd');
    });
  });

  describe('UCS2 (data_coding 8) and Latin-1 (data_coding 3)', () => {
    it('余额 – 4F 59 98 9D', () => {
      expect(ucs2Encode('余额')).to.deep.equal(octets(0x4f, 0x59, 0x98, 0x9d));
      expect(ucs2Decode(octets(0x4f, 0x59, 0x98, 0x9d))).to.equal('余额');
    });

    it('😀 (U+1F600) – the surrogate pair D8 3D DE 00', () => {
      expect(ucs2Encode('😀')).to.deep.equal(octets(0xd8, 0x3d, 0xde, 0x00));
      expect(ucs2Decode(octets(0xd8, 0x3d, 0xde, 0x00))).to.equal('😀');
    });

    it('decoding – a lone last octet is U+FFFD', () => {
      expect(ucs2Decode(octets(0x4f, 0x59, 0x98))).to.equal('余\ufffd');
    });

    it('Café in Latin-1 – 43 61 66 E9', () => {
      expect(latin1Encode('Café')).to.deep.equal(octets(0x43, 0x61, 0x66, 0xe9));
    });
  });

  describe('concatenation UDH (TS 23.040 §9.2.3.24.1 and .8)', () => {
    it('8-bit reference – 05 00 03 ref total seq', () => {
      expect(concatUdh({ ref: 0x2a, total: 3, seq: 2 })).to.deep.equal(
        octets(0x05, 0x00, 0x03, 0x2a, 0x03, 0x02),
      );
    });

    it('16-bit reference – 06 08 04 ref-hi ref-lo total seq, by itself above 255 or when asked', () => {
      expect(concatUdh({ ref: 0x1234, total: 2, seq: 1 })).to.deep.equal(
        octets(0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01),
      );
      expect(concatUdh({ ref: 7, total: 2, seq: 2 }, 16)).to.deep.equal(
        octets(0x06, 0x08, 0x04, 0x00, 0x07, 0x02, 0x02),
      );
    });

    it('decoding 05 00 03 2A 02 01 4F 59 with UDHI – 余, part 1 of 2 of reference 0x2A', () => {
      const message = {
        dataCoding: 8,
        esmClass: 0x40,
        shortMessage: octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x01, 0x4f, 0x59),
        messagePayload: null,
      };
      expect(decodeMessage(message)).to.deep.equal({ text: '余', concat: { ref: 0x2a, total: 2, seq: 1 } });
    });

    it('decoding 06 08 04 BE EF 02 02 98 9D with UDHI – 额, part 2 of 2 of reference 0xBEEF', () => {
      const message = {
        dataCoding: 8,
        esmClass: 0x40,
        shortMessage: octets(0x06, 0x08, 0x04, 0xbe, 0xef, 0x02, 0x02, 0x98, 0x9d),
        messagePayload: null,
      };
      expect(decodeMessage(message)).to.deep.equal({ text: '额', concat: { ref: 0xbeef, total: 2, seq: 2 } });
    });

    it('decoding – a port IE (05) before the concatenation IE is skipped', () => {
      const udh = [0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x07, 0x02, 0x01];
      const message = {
        dataCoding: 0,
        esmClass: 0x40,
        shortMessage: octets(...udh, 0x59, 0x45),
        messagePayload: null,
      };
      expect(decodeMessage(message)).to.deep.equal({ text: 'YE', concat: { ref: 7, total: 2, seq: 1 } });
    });

    it('decoding – sequence 0 or beyond the total: the IE is ignored (no concatenation)', () => {
      for (const seq of [0x00, 0x03]) {
        const message = {
          dataCoding: 0,
          esmClass: 0x40,
          shortMessage: octets(0x05, 0x00, 0x03, 0x2a, 0x02, seq, 0x59),
          messagePayload: null,
        };
        expect(decodeMessage(message), `seq ${seq}`).to.deep.equal({ text: 'Y', concat: null });
      }
    });

    it('decoding – without the UDHI bit the same octets are all text', () => {
      const message = {
        dataCoding: 0,
        esmClass: 0,
        shortMessage: octets(0x05, 0x00, 0x59),
        messagePayload: null,
      };
      expect(decodeMessage(message)).to.deep.equal({ text: 'é@Y', concat: null });
    });

    it('decoding – message_payload is read when short_message is empty', () => {
      const message = {
        dataCoding: 8,
        esmClass: 0,
        shortMessage: octets(),
        messagePayload: octets(0x5f, 0x00, 0x90, 0x1a),
      };
      expect(decodeMessage(message)).to.deep.equal({ text: '开通', concat: null });
    });
  });

  describe('splitting a long MO as a handset does', () => {
    it('161 GSM characters – two parts: UDH 05 00 03 2A 02 01 then 153 septets, UDH … 02 02 then 8', () => {
      expect(splitText('a'.repeat(161), 0x2a)).to.deep.equal([
        {
          dataCoding: 0,
          esmClass: 0x40,
          shortMessage: octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x01, ...times(153, 0x61)),
        },
        {
          dataCoding: 0,
          esmClass: 0x40,
          shortMessage: octets(0x05, 0x00, 0x03, 0x2a, 0x02, 0x02, ...times(8, 0x61)),
        },
      ]);
    });

    it('an escape is never split – a then 100 [ : 61 and 76 × 1B 3C (153 septets), then 24 × 1B 3C', () => {
      const [first, second, ...rest] = splitText(`a${'['.repeat(100)}`, 9);
      expect(rest).to.have.length(0);
      expect(first.shortMessage).to.deep.equal(
        octets(0x05, 0x00, 0x03, 0x09, 0x02, 0x01, 0x61, ...times(76, 0x1b, 0x3c)),
      );
      expect(second.shortMessage).to.deep.equal(
        octets(0x05, 0x00, 0x03, 0x09, 0x02, 0x02, ...times(24, 0x1b, 0x3c)),
      );
    });

    it('71 中 (4E 2D) – parts of 67 and 4 code units', () => {
      expect(splitText('中'.repeat(71), 1).map((p) => p.shortMessage)).to.deep.equal([
        octets(0x05, 0x00, 0x03, 0x01, 0x02, 0x01, ...times(67, 0x4e, 0x2d)),
        octets(0x05, 0x00, 0x03, 0x01, 0x02, 0x02, ...times(4, 0x4e, 0x2d)),
      ]);
    });

    it('a surrogate pair on the 67th unit – moves whole to the next part', () => {
      const parts = splitText(`${'中'.repeat(66)}😀${'中'.repeat(10)}`, 2);
      expect(parts.map((p) => p.shortMessage)).to.deep.equal([
        octets(0x05, 0x00, 0x03, 0x02, 0x02, 0x01, ...times(66, 0x4e, 0x2d)),
        octets(0x05, 0x00, 0x03, 0x02, 0x02, 0x02, 0xd8, 0x3d, 0xde, 0x00, ...times(10, 0x4e, 0x2d)),
      ]);
    });

    it('a text that fits one SMS – one PDU, no UDH, esm_class 0', () => {
      expect(splitText('余额', 3)).to.deep.equal([
        { dataCoding: 8, esmClass: 0, shortMessage: octets(0x4f, 0x59, 0x98, 0x9d) },
      ]);
    });
  });

  it('codingFor – printable ASCII the GSM alphabet holds goes as 0; Chinese, é and the backtick as 8', () => {
    expect(['YE', 'ZF 2001 12.50', '余额', 'Café', 'a`b'].map(codingFor)).to.deep.equal([0, 0, 8, 8, 8]);
  });
});
