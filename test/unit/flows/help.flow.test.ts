import { expect } from 'chai';
import { fitsUssd } from '../../../flows/index.js';
import { drive, textOf } from './drive.js';

describe('help flow', () => {
  for (const locale of ['zh-CN', 'en'] as const) {
    it(`help – in ${locale} – is one final page naming the menu, the SMS keywords and the service number`, async () => {
      const run = await drive('help', [], undefined, locale);
      expect(run.last).to.include({ kind: 'message', final: true });
      expect(fitsUssd(run.last)).to.equal(true);
      for (const part of ['10658888', 'YE', 'ZF', 'ZZ', 'CZ', 'BZ'])
        expect(textOf(run.last)).to.include(part);
      expect(run.done).to.equal(true);
      expect(run.requests).to.have.length(0);
    });
  }
});
