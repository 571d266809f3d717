import { expect } from 'chai';
import type { Screen } from '../../../../flows/index.js';
import { encodeProactive, MORE_ITEM, stkCommands } from '../../../../src/channels/stk/index.js';

/** A menu of `n` options with Chinese labels of 10 characters: 23 octets an item in UCS2. */
const longMenu = (n: number): Screen => ({
  kind: 'menu',
  title: '选择商户',
  options: [
    ...Array.from({ length: n }, (_, i) => ({
      id: String(i + 1),
      label: `第${i + 1}家街角小店便利店`.slice(0, 10),
    })),
    { id: '0', label: '返回' },
  ],
});

describe('STK render – screens as proactive commands', () => {
  it('a menu too long for 255 octets – SELECT ITEM pages, each within 255, "more" (98) last on all but the last', () => {
    const pages = stkCommands(longMenu(20));
    expect(pages.length).to.be.greaterThan(1);
    const ids: number[] = [];
    pages.forEach((page, i) => {
      expect(encodeProactive(page).length).to.be.at.most(255);
      if (page.type !== 'SELECT_ITEM') throw new Error(`page ${i} is a ${page.type}`);
      const last = page.items[page.items.length - 1];
      if (i < pages.length - 1) expect(last).to.deep.equal({ id: MORE_ITEM, text: '更多' });
      ids.push(...page.items.map((item) => item.id).filter((id) => id !== MORE_ITEM));
    });
    // Every option but `0` (STK's back key), in order, once.
    expect(ids).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a menu that fits – one SELECT ITEM, no "more", without `0`', () => {
    const [only, ...rest] = stkCommands(longMenu(3));
    expect(rest).to.have.length(0);
    expect(only.type === 'SELECT_ITEM' && only.items.map((i) => i.id)).to.deep.equal([1, 2, 3]);
  });

  it('a PIN prompt – GET INPUT, hidden, digits only, 6 to 6', () => {
    const [command] = stkCommands({
      kind: 'prompt',
      text: 'Enter your 6-digit PIN:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    });
    expect(command).to.deep.equal({
      type: 'GET_INPUT',
      text: 'Enter your 6-digit PIN:',
      minLength: 6,
      maxLength: 6,
      digitsOnly: true,
      hidden: true,
    });
  });

  it('a message longer than one command – DISPLAY TEXTs within 255 octets, cut between lines', () => {
    const text = Array.from({ length: 9 }, (_, i) => `12-0${i + 1} 向街角小店支付¥1${i}.50元`).join('\n');
    const pages = stkCommands({ kind: 'message', text, final: true });
    expect(pages.length).to.equal(2);
    for (const page of pages) expect(encodeProactive(page).length).to.be.at.most(255);
    expect(pages.map((p) => (p.type === 'DISPLAY_TEXT' ? p.text : '')).join('\n')).to.equal(text);
  });
});
