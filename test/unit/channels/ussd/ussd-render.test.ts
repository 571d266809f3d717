import { expect } from 'chai';
import { fitsUssdPage, ussdPages } from '../../../../src/channels/ussd/index.js';

const message = (text: string) => ({ kind: 'message' as const, text, final: true });

describe('USSD pages', () => {
  it('182 GSM characters – one page; an extension character counts two septets', () => {
    expect(ussdPages(message('a'.repeat(182)))).to.deep.equal(['a'.repeat(182)]);
    expect(fitsUssdPage('€'.repeat(91))).to.equal(true);
    expect(fitsUssdPage('€'.repeat(92))).to.equal(false);
    expect(fitsUssdPage(`${'a'.repeat(181)}€`)).to.equal(false);
  });

  it('80 characters with Chinese – one page; 81 – two, the first ending 98.更多', () => {
    expect(ussdPages(message('余'.repeat(80)))).to.deep.equal(['余'.repeat(80)]);
    // Room on a page: 80 − "\n98.更多" (6) = 74.
    expect(ussdPages(message('余'.repeat(81)))).to.deep.equal([`${'余'.repeat(74)}\n98.更多`, '余'.repeat(7)]);
  });

  it('a long English list – cut between lines, 98.More on every page but the last', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `12-0${i} -¥10.00 Corner Shop number ${i}`);
    const pages = ussdPages(message(lines.join('\n')));
    // A line is 34 septets; a page's room is 182 − "\n98.More" (8) = 174 = five lines and their four breaks.
    expect(pages).to.deep.equal([`${lines.slice(0, 5).join('\n')}\n98.More`, lines.slice(5).join('\n')]);
  });

  it('emoji – never cut in half (two UCS2 units each)', () => {
    const pages = ussdPages(message('💸'.repeat(41)));
    // 82 UCS2 units; a page's room is 80 − "\n98.More" (8) = 72 units = 36 emoji.
    expect(pages).to.deep.equal([`${'💸'.repeat(36)}\n98.More`, '💸'.repeat(5)]);
    for (const page of pages) expect(fitsUssdPage(page), page).to.equal(true);
  });
});
