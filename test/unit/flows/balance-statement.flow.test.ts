import { expect } from 'chai';
import { drive, MSISDN, ok, refused, textOf } from './drive.js';

const lines = [
  {
    transferId: '5',
    kind: 'payment',
    amount: '-1250',
    balanceAfter: '8750',
    counterparty: '2001',
    at: '2026-11-23T10:00:00.000Z',
  },
  {
    transferId: '4',
    kind: 'transfer',
    amount: '500',
    balanceAfter: '10000',
    counterparty: '13900139000',
    at: '2026-11-22T10:00:00.000Z',
  },
  {
    transferId: '3',
    kind: 'topup',
    amount: '9500',
    balanceAfter: '9500',
    counterparty: 'topup',
    at: '2026-11-21T10:00:00.000Z',
  },
  {
    transferId: '2',
    kind: 'transfer',
    amount: '-500',
    balanceAfter: '0',
    counterparty: '13700137000',
    at: '2026-11-20T10:00:00.000Z',
  },
  {
    transferId: '1',
    kind: 'topup',
    amount: '500',
    balanceAfter: '500',
    counterparty: 'topup',
    at: '2026-11-19T10:00:00.000Z',
  },
];

describe('balance flow', () => {
  it('balance – when started – asks the ledger once and shows balance and available money', async () => {
    const run = await drive('balance', [], ok({ balance: '8750', available: '7500' }));
    expect(run.requests).to.deep.equal([{ type: 'balance', input: { msisdn: MSISDN } }]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      text: 'Balance ¥87.50, available ¥75.00.',
      final: true,
    });
    const zh = await drive('balance', [], ok({ balance: '8750', available: '7500' }), 'zh-CN');
    expect(textOf(zh.last)).to.equal('余额¥87.50,可用¥75.00。');
  });

  it('balance – when the caller has no wallet – says so', async () => {
    const run = await drive('balance', [], refused('not_a_user'));
    expect(textOf(run.last)).to.equal('You have no mobile wallet yet.');
  });
});

describe('statement flow', () => {
  it('statement – when started – asks for the last 5 and lists them newest first', async () => {
    const run = await drive('statement', [], ok({ msisdn: MSISDN, lines }));
    expect(run.requests).to.deep.equal([{ type: 'statement', input: { msisdn: MSISDN, limit: 5 } }]);
    expect(run.last).to.deep.equal({
      kind: 'message',
      final: true,
      text: [
        'Last transactions:',
        '11-23 -¥12.50 2001',
        '11-22 +¥5.00 *9000',
        '11-21 +¥95.00 topup',
        '11-20 -¥5.00 *7000',
        '11-19 +¥5.00 topup',
      ].join('\n'),
    });
  });

  it('statement – in Chinese – drops the oldest lines that would not fit one USSD page', async () => {
    const run = await drive('statement', [], ok({ msisdn: MSISDN, lines }), 'zh-CN');
    const shown = textOf(run.last).split('\n');
    expect(shown[0]).to.equal('最近交易:');
    expect(shown[1]).to.equal('11-23 -¥12.50 2001');
    expect(textOf(run.last).length).to.be.at.most(80);
  });

  it('statement – when there are no transactions – says so', async () => {
    const run = await drive('statement', [], ok({ msisdn: MSISDN, lines: [] }), 'zh-CN');
    expect(textOf(run.last)).to.equal('暂无交易记录。');
  });
});
