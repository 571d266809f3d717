import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';

describe('config', () => {
  it('no environment – gives the defaults of INTERFACES §1', () => {
    const config = loadConfig({});
    expect(config).to.include({
      port: 3000,
      redisUrl: 'redis://127.0.0.1:6379',
      shortCode: '10658888',
      smppTps: 100,
      locale: 'zh-CN',
      ussdServiceCode: '*1065#',
    });
    expect(config.publicUrl).to.equal('http://localhost:3000');
    expect(config.limitPerPayment).to.equal(50_000n);
    expect(config.databaseUrl).to.equal(undefined);
  });

  it('a bad value in the environment or in overrides – is refused naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(/PORT/);
    expect(() => loadConfig({}, { batchMax: 0 })).to.throw(/BATCH_MAX/);
    expect(() => loadConfig({ LOCALE: 'fr' })).to.throw(/LOCALE/);
  });

  it('empty strings – count as unset', () => {
    expect(loadConfig({ PORT: '', SHORT_CODE: '' })).to.include({ port: 3000, shortCode: '10658888' });
  });
});
