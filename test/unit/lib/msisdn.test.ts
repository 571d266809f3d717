import { expect } from 'chai';
import { nationalMsisdn, normalizeMsisdn } from '../../../src/lib/msisdn.js';

describe('msisdn', () => {
  it('normalizeMsisdn – the national, 86, +86, 0086 and full-width forms – are one user', () => {
    for (const form of [
      '13800138000',
      '8613800138000',
      '+8613800138000',
      '008613800138000',
      '１３８００１３８０００',
      '138-0013-8000',
    ]) {
      expect(normalizeMsisdn(form), form).to.equal('8613800138000');
    }
  });

  it('normalizeMsisdn – not a Chinese mobile – gives null', () => {
    for (const bad of ['12800138000', '1380013800', '+4412345678901', 'abc', '', '86123']) {
      expect(normalizeMsisdn(bad), bad).to.equal(null);
    }
  });

  it('nationalMsisdn – drops the country code', () =>
    expect(nationalMsisdn('8613800138000')).to.equal('13800138000'));
});
