/** Every registered channel passes the conformance suite, reading its own case table `<id>/cases.ts`. */
import { expect } from 'chai';
import { channels } from '../../src/channels/index.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { expectBalanced } from '../helpers/ledger.js';
import { type ConformanceCases, conformanceSuite } from './conformance.js';
import { conformance as ivr } from './ivr/cases.js';
import { conformance as sms } from './sms/cases.js';
import { conformance as stk } from './stk/cases.js';
import { conformance as ussd } from './ussd/cases.js';
import { conformance as ussdSmpp } from './ussd-smpp/cases.js';
import { conformance as wap } from './wap/cases.js';

// biome-ignore lint/suspicious/noExplicitAny: each table reads its own channel's raw input type.
const tables: Record<string, ConformanceCases<any>> = { sms, ussd, 'ussd-smpp': ussdSmpp, ivr, stk, wap };

describe('the channel seam', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ locale: 'en' });
  });
  after(async () => {
    await expectBalanced(h);
    await h.close();
  });

  it('every registered channel has its case table', () => {
    expect(channels.map((c) => c.id).filter((id) => !tables[id])).to.deep.equal([]);
  });
  for (const definition of channels) {
    if (tables[definition.id]) conformanceSuite(definition, tables[definition.id], () => h);
  }
});
