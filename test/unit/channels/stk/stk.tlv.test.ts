/**
 * The STK codec against ETSI TS 102 384 §27.22.4 test vectors as ofono publishes them: the arrays of
 * `unit/stk-test-data.h` and `unit/test-stkutil.c` (read in the rilmodem/ofono repository), each test
 * naming its array. The vectors are copied here as hex, byte for byte.
 */
import { expect } from 'chai';
import {
  decodeEnvelope,
  decodeSimMessage,
  decodeTerminalResponse,
  encodeLength,
  encodeProactive,
  packSeptets,
  RESULT,
  StkTlvError,
  unpackSeptets,
} from '../../../../src/channels/stk/index.js';

const bytes = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const hexOf = (buffer: Buffer) => buffer.toString('hex').toUpperCase();
const same = (buffer: Buffer, hex: string) => expect(hexOf(buffer)).to.equal(hexOf(bytes(hex)));

/** "This command instructs the ME to display a text message. It allows the SIM to define the priority of
 * that message, and the text string format. Two types of prio" (ofono display_text_161, 160 octets). */
const LONG_TEXT =
  'This command instructs the ME to display a text message. It allows the SIM to define the priority of that message, and the text string format. Two types of prio';

describe('STK codec – ETSI TS 102 384 §27.22.4 vectors (ofono)', () => {
  describe('DISPLAY TEXT (§27.22.4.1)', () => {
    it('8-bit – stk-test-data.h display_text_111 – encodes byte for byte', () => {
      same(
        encodeProactive({ type: 'DISPLAY_TEXT', text: 'Toolkit Test 1' }),
        'D01A8103012180820281028D0F04546F6F6C6B697420546573742031',
      );
    });
    it('packed 7-bit – stk-test-data.h display_text_141 – encodes byte for byte', () => {
      same(
        encodeProactive({ type: 'DISPLAY_TEXT', text: 'Toolkit Test 3', dcs: 'packed' }),
        'D01981030121808202810 28D0E00D4F79BBD4ED341D4F29C0E9A01',
      );
    });
    it('UCS2 – stk-test-data.h display_text_611 (ЗДРАВСТВУЙТЕ) – encodes byte for byte', () => {
      same(
        encodeProactive({ type: 'DISPLAY_TEXT', text: 'ЗДРАВСТВУЙТЕ' }),
        'D02481030121808202810 28D19080417041404200410041204210422041204230419042204 15',
      );
    });
    it('UCS2 Chinese – stk-test-data.h display_text_911 (你好) – encodes byte for byte', () => {
      same(encodeProactive({ type: 'DISPLAY_TEXT', text: '你好' }), 'D01081030121808202810 28D05084F60597D');
    });
    it('long-form length – stk-test-data.h display_text_161 (160 octets: D0 81 AD, 8D 81 A1) – encodes byte for byte', () => {
      const encoded = encodeProactive({ type: 'DISPLAY_TEXT', text: LONG_TEXT });
      expect(hexOf(encoded.subarray(0, 3))).to.equal('D081AD');
      same(encoded, `D081AD8103012180820281028D81A104${Buffer.from(LONG_TEXT, 'latin1').toString('hex')}`);
    });
  });

  describe('GET INPUT (§27.22.4.3)', () => {
    it('digits only – stk-test-data.h get_input_111 – encodes byte for byte', () => {
      same(
        encodeProactive({
          type: 'GET_INPUT',
          text: 'Enter 12345',
          minLength: 5,
          maxLength: 5,
          digitsOnly: true,
          hidden: false,
        }),
        'D01B8103012300820281828D0C04456E746572203132333435910205 05',
      );
    });
    it('hidden digits (qualifier 04) – stk-test-data.h get_input_141 – encodes byte for byte', () => {
      same(
        encodeProactive({
          type: 'GET_INPUT',
          text: 'Password 1<SEND>2345678',
          minLength: 4,
          maxLength: 8,
          digitsOnly: true,
          hidden: true,
        }),
        'D0278103012304820281828D180450617373776F726420313C53454E443E3233343536373891020408',
      );
    });
    it('UCS2 prompt (你好, SMS alphabet) – stk-test-data.h get_input_911 – encodes byte for byte', () => {
      same(
        encodeProactive({
          type: 'GET_INPUT',
          text: '你好',
          minLength: 5,
          maxLength: 5,
          digitsOnly: false,
          hidden: false,
        }),
        'D0148103012301820281828D05084F60597D91020505',
      );
    });
  });

  describe('SELECT ITEM (§27.22.4.9)', () => {
    it('with a default item – test-stkutil.c select_item_311 – encodes byte for byte', () => {
      same(
        encodeProactive({
          type: 'SELECT_ITEM',
          title: 'Toolkit Select',
          items: [
            { id: 1, text: 'Item 1' },
            { id: 2, text: 'Item 2' },
            { id: 3, text: 'Item 3' },
          ],
          defaultItem: 2,
        }),
        `D037810301240082028182850E546F6F6C6B69742053656C656374
         8F07014974656D20318F07024974656D20328F07034974656D2033900102`,
      );
    });
    it('UCS2 Chinese alpha identifier and items – test-stkutil.c select_item_1111 – encodes byte for byte', () => {
      same(
        encodeProactive({
          type: 'SELECT_ITEM',
          title: '工具箱选择',
          items: ['项目一', '项目二', '项目三', '项目四'].map((text, i) => ({ id: i + 1, text })),
        }),
        `D03E810301240082028182850B805DE551777BB1900962E9
         8F0801809879 76EE4E00 8F0802809879 76EE4E8C 8F0803809879 76EE4E09 8F0804809879 76EE56DB`,
      );
    });
  });

  describe('SET UP MENU (§27.22.4.7)', () => {
    it('UCS2 Chinese – test-stkutil.c setup_menu_811 (工具箱单) – encodes byte for byte', () => {
      same(
        encodeProactive({
          type: 'SET_UP_MENU',
          title: '工具箱单',
          items: ['项目一', '项目二', '项目三', '项目四'].map((text, i) => ({ id: i + 1, text })),
        }),
        `D03C8103012500820281828509805DE551777BB15355
         8F08018098 7976EE4E00 8F08028098 7976EE4E8C 8F08038098 7976EE4E09 8F08048098 7976EE56DB`,
      );
    });
    it('long-form lengths in UCS2 – test-stkutil.c setup_menu_711 (D0 81 9C) – encodes byte for byte', () => {
      const word = 'ЗДРАВСТВУЙТЕ';
      same(
        encodeProactive({
          type: 'SET_UP_MENU',
          title: word,
          items: [1, 2, 3, 4].map((id) => ({ id, text: `${word}${id}` })),
        }),
        `D0819C81030125008202818285198004170414042004100412042104220412042304190422 0415
         ${[1, 2, 3, 4].map((id) => `8F1C0${id}8004170414042004100412042104220412042304190422041500 3${id}`).join('')}`,
      );
    });
  });

  describe('MENU SELECTION envelope (§27.22.4.8)', () => {
    it('item 2 – test-stkutil.c menu_selection_111 – decodes', () => {
      expect(decodeEnvelope(bytes('D30782020181900102'))).to.deep.equal({
        kind: 'envelope',
        itemId: 2,
        help: false,
      });
    });
    it('item 2 with help requested – test-stkutil.c menu_selection_211 – decodes the help request', () => {
      expect(decodeEnvelope(bytes('D30982020181900102 1500'))).to.deep.equal({
        kind: 'envelope',
        itemId: 2,
        help: true,
      });
    });
  });

  describe('TERMINAL RESPONSE', () => {
    const response = (hex: string) => decodeTerminalResponse(bytes(hex));
    it('result 00 to DISPLAY TEXT – stk-test-data.h display_text_response_111 – decodes', () => {
      expect(response('810301218082028281830100')).to.deep.equal({
        kind: 'response',
        number: 1,
        commandType: 0x21,
        qualifier: 0x80,
        result: RESULT.ok,
      });
    });
    it('an item identifier to SELECT ITEM – test-stkutil.c select_item_response_111 – decodes item 2', () => {
      expect(response('810301240082028281830100900102')).to.deep.equal({
        kind: 'response',
        number: 1,
        commandType: 0x24,
        qualifier: 0x00,
        result: RESULT.ok,
        itemId: 2,
      });
    });
    it('result 11 (backward move) – stk-test-data.h display_text_response_171 – decodes', () => {
      expect(response('810301218082028281830111').result).to.equal(RESULT.backward);
    });
    it('result 10 (terminated by the user) – stk-test-data.h display_text_response_181 – decodes', () => {
      expect(response('810301218082028281830110').result).to.equal(RESULT.terminatedByUser);
    });
    it('result 12 (no response) – stk-test-data.h display_text_response_211 – decodes', () => {
      expect(response('810301218082028281830112').result).to.equal(RESULT.noResponse);
    });
    it('result 11 to GET INPUT – stk-test-data.h get_input_response_161 – decodes', () => {
      const got = response('810301230082028281830111');
      expect([got.commandType, got.result]).to.deep.equal([0x23, RESULT.backward]);
    });
    it('an 8-bit text string – stk-test-data.h get_input_response_111 (12345) – decodes', () => {
      expect(response('8103012300820282818301008D06043132333435').text).to.deep.equal({
        dcs: '8bit',
        text: '12345',
      });
    });
    it('a packed text string – stk-test-data.h get_input_response_121 – decodes to 67*#+', () => {
      expect(response('8103012308820282818301008D0600B69B6AB402').text).to.deep.equal({
        dcs: 'packed',
        text: '67*#+',
      });
    });
    it('a UCS2 text string – stk-test-data.h get_input_response_1011 (你好) – decodes', () => {
      expect(response('8103012303820282818301008D05084F60597D').text).to.deep.equal({
        dcs: 'ucs2',
        text: '你好',
      });
    });
    it('an empty text string – stk-test-data.h get_input_response_191a – decodes to an empty 8-bit text', () => {
      expect(response('8103012300820282818301008D0104').text).to.deep.equal({ dcs: '8bit', text: '' });
    });
    it('device identities tagged 02 (no comprehension bit) – decodes as 82', () => {
      // display_text_response_111 with its device identities' tag written 02: TS 102 223 allows both.
      expect(response('810301218002028281830100').result).to.equal(RESULT.ok);
    });
  });

  describe('septet packing (3GPP TS 23.038 §6.1.2.1)', () => {
    it('Toolkit Test 3 – packs to the octets of display_text_141 and back', () => {
      const septets = Buffer.from('Toolkit Test 3', 'latin1');
      same(packSeptets(septets), 'D4F79BBD4ED341D4F29C0E9A01');
      expect(unpackSeptets(packSeptets(septets)).toString('latin1')).to.equal('Toolkit Test 3');
    });
    it('seven septets – the eighth septet of padding is dropped', () => {
      const septets = Buffer.from('1234567', 'latin1');
      expect(unpackSeptets(packSeptets(septets)).toString('latin1')).to.equal('1234567');
    });
  });

  describe('lengths', () => {
    it('shortest form – 127 is one octet, 128 and 255 take 81 xx, 256 is refused', () => {
      expect(encodeLength(0x7f)).to.deep.equal([0x7f]);
      expect(encodeLength(0x80)).to.deep.equal([0x81, 0x80]);
      expect(encodeLength(0xff)).to.deep.equal([0x81, 0xff]);
      expect(() => encodeLength(0x100)).to.throw(RangeError);
    });
  });

  describe('bad input – refused with what is wrong', () => {
    const refuses = (hex: string, message: RegExp) =>
      expect(() => decodeSimMessage(hex)).to.throw(StkTlvError, message);
    it('not hex – says so', () => refuses('D30782020181900G', /not hex/));
    it('an odd number of digits – not hex', () => refuses('D3078202018190010', /not hex/));
    it('truncated – the envelope ends before its length says', () => refuses('D307820201819001', /overruns/));
    it('a TLV inside overrunning – says which tag', () =>
      refuses('D307820201819002 02', /tag 90: length 2 overruns/));
    it('a non-minimal length (81 07) – refused', () =>
      refuses('D381078202018190010 2', /non-minimal length 81 07/));
    it('a length form longer than 81 xx – refused', () =>
      refuses('D3820007820201819001 02', /length form 82/));
    it('bytes after the envelope – refused', () => refuses('D30782020181900102 00', /after its end/));
    it('an unknown tag with the comprehension bit – refused, naming the tag', () =>
      refuses('810301218082028281830100 FE0100', /unknown tag FE marked comprehension required/));
    it('an unknown tag without the comprehension bit – skipped', () => {
      expect(decodeSimMessage('810301218082028281830100 7E0100')).to.include({ result: 0 });
    });
    it('neither an envelope nor a terminal response – refused', () => refuses('D01A', /neither/));
  });
});
