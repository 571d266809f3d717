import { expect } from 'chai';
import { assemble, type StoredMo } from '../../../../src/channels/sms/mo-store.js';
import { outcomeOf } from '../../../../src/channels/sms/mt-store.js';

const part = (id: string, seq: number, text: string, total = 3): StoredMo => ({
  id,
  msisdn: '8613800138000',
  text,
  status: 'received',
  concat: { ref: 7, total, seq },
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
});
