import { expect } from 'chai';
import { assemble, processedParts, type StoredMo } from '../../../../src/channels/sms/mo-store.js';
import { outcomeOf } from '../../../../src/channels/sms/mt-store.js';

const part = (id: string, seq: number, text: string, total = 3): StoredMo => ({
  id,
  msisdn: '8613800138000',
  text,
  status: 'received',
  concat: { ref: 7, total, seq },
  overLimit: false,
});

describe('SMS records', () => {
  describe('receipt outcomes', () => {
    it('outcomeOf – final states decide, interim ones leave the MT as it is', () => {
      expect(outcomeOf('delivered')).to.equal('delivered');
      for (const s of ['expired', 'deleted', 'undeliverable', 'rejected'])
        expect(outcomeOf(s)).to.equal('failed');
      for (const s of ['enroute', 'accepted', 'unknown']) expect(outcomeOf(s)).to.equal('pending');
    });
  });

  describe('reassembly', () => {
    it('assemble – when the message came whole – is its text', () => {
      expect(assemble([{ ...part('1', 1, 'YE'), concat: null }])).to.deep.equal({
        text: 'YE',
        complete: true,
      });
    });

    it('assemble – when the parts came in reverse order – joins them by sequence', () => {
      const result = assemble([part('3', 3, 'c'), part('2', 2, 'b'), part('1', 1, 'a')]);
      expect(result).to.deep.equal({ text: 'abc', complete: true });
    });

    it('assemble – when a part is missing – says so and joins what came', () => {
      expect(assemble([part('1', 1, 'a'), part('3', 3, 'c')])).to.deep.equal({ text: 'ac', complete: false });
    });

    it('assemble – when a part came twice – counts it once', () => {
      const result = assemble([part('1', 1, 'a', 2), part('2', 1, 'a', 2), part('3', 2, 'b', 2)]);
      expect(result).to.deep.equal({ text: 'ab', complete: true });
    });
  });

  describe('what answered MOs keep', () => {
    it('processedParts – when the parts came out of order – puts the masked text on the first in sequence and nothing on the others', () => {
      const parts = [part('11', 2, '75 739146'), part('12', 1, 'GM 3026'), part('13', 3, '', 3)];
      expect(processedParts(parts, 'GM ****** ******')).to.deep.equal([
        { id: '11', text: '' },
        { id: '12', text: 'GM ****** ******' },
        { id: '13', text: '' },
      ]);
    });

    it('processedParts – when a part came twice – keeps the text on one copy only', () => {
      const parts = [part('21', 1, 'JD 65', 2), part('22', 1, 'JD 65', 2), part('23', 2, '4321', 2)];
      expect(processedParts(parts, 'JD ******')).to.deep.equal([
        { id: '21', text: 'JD ******' },
        { id: '22', text: '' },
        { id: '23', text: '' },
      ]);
    });

    it('processedParts – when the message came whole – keeps its masked text', () => {
      expect(processedParts([{ ...part('31', 1, 'JD 654321'), concat: null }], 'JD ******')).to.deep.equal([
        { id: '31', text: 'JD ******' },
      ]);
    });
  });
});
