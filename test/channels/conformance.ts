/**
 * The conformance suite every registered channel passes (HOUSE: "The channel seam"; bullmq's
 * adapter-conformance tests): it reads what the channel's case table says comes in, renders every kind
 * of screen within the channel's size without losing a character, maps send failures to the one
 * `SendError`, and replays a retried step: the same answer twice, the effect once.
 */
import { expect } from 'chai';
import type { Screen } from '../../flows/index.js';
import { type ChannelDefinition, type Inbound, isRejected, SendError } from '../../src/channels/index.js';
import type { Harness } from '../helpers/harness.js';

export interface ConformanceCases<Raw> {
  /** What comes in, and what the channel must make of it (an `Inbound`, or the reason it is refused). */
  inbound: { name: string; raw: Raw; expect: Inbound | { rejected: string; status: number } }[];
  /** Failures of sending, and the `SendError` flags they must map to. */
  sendErrors: { name: string; error: unknown; retryable: boolean; throttled: boolean }[];
  /**
   * The units each of `SCREENS` renders to, by its name, where the channel says a screen in its own words
   * (the IVR's speech: amounts in words, a sentence an option) rather than as its text: every screen must
   * be listed then, and its units are compared with these instead of with the screen's text.
   */
  rendered?: Record<string, string[]>;
  /** Runs one step twice, as a retry would: both answers, and how many commands took effect. */
  replay(h: Harness): Promise<{ answers: [string, string]; effects: number }>;
}

const LONG_EN = Array.from(
  { length: 12 },
  (_, i) => `12-${String(i + 1).padStart(2, '0')} -¥1${i}.50 Corner Shop`,
).join('\n');
const LONG_ZH = Array.from({ length: 9 }, (_, i) => `12-0${i + 1} 向街角小店支付¥1${i}.50元`).join('\n');

/** One of each kind of screen, short and long, in both languages. */
export const SCREENS: [string, Screen][] = [
  [
    'a menu',
    {
      kind: 'menu',
      title: 'Mobile wallet',
      options: [
        'Balance',
        'Top up',
        'Pay',
        'Transfer',
        'Last transactions',
        'My account',
        'Help',
        'Exit',
      ].map((label, i) => ({ id: String(i === 7 ? 0 : i + 1), label })),
    },
  ],
  [
    'a Chinese menu',
    {
      kind: 'menu',
      title: '手机钱包',
      options: [
        { id: '1', label: '余额' },
        { id: '0', label: '退出' },
      ],
    },
  ],
  [
    'a PIN prompt',
    {
      kind: 'prompt',
      text: 'Enter your 6-digit PIN:',
      input: { minLength: 6, maxLength: 6, digitsOnly: true, hidden: true },
    },
  ],
  [
    'a final message',
    { kind: 'message', text: 'You paid ¥12.50 to Corner Shop. Balance ¥87.50.', final: true },
  ],
  ['a message that goes on', { kind: 'message', text: 'Noted.', final: false }],
  ['a long English list', { kind: 'message', text: `Last transactions:\n${LONG_EN}`, final: true }],
  ['a long Chinese list', { kind: 'message', text: `最近交易:\n${LONG_ZH}`, final: true }],
  ['one line longer than any page', { kind: 'message', text: '支付'.repeat(120), final: true }],
];

/** The characters of `screen` as shown, with what the channel adds to page it (`98` lines) taken out. */
const content = (value: string) => value.replace(/\n?98\.(More|更多)/g, '').replace(/\s+/g, '');

export function conformanceSuite<Raw>(
  definition: ChannelDefinition<Raw>,
  cases: ConformanceCases<Raw>,
  harness: () => Harness,
): void {
  describe(`channel conformance – ${definition.id}`, () => {
    describe('normalize', () => {
      for (const c of cases.inbound) {
        it(`${c.name} – reads as the case table says`, () => {
          const got = definition.normalize(c.raw);
          if ('rejected' in c.expect) {
            expect(isRejected(got), JSON.stringify(got)).to.equal(true);
            expect(got).to.deep.equal(c.expect);
          } else expect(got).to.deep.equal(c.expect);
        });
      }
    });

    describe('render', () => {
      for (const [name, screen] of SCREENS) {
        it(`${name} – every unit fits the channel and nothing is lost`, () => {
          const units = definition.render(screen);
          expect(units.length).to.be.greaterThan(0);
          for (const unit of units) expect(definition.fits(unit), unit).to.equal(true);
          if (cases.rendered) {
            expect(units).to.deep.equal(cases.rendered[name]);
            return;
          }
          const whole =
            screen.kind === 'menu'
              ? [screen.title, ...screen.options.map((o) => `${o.id}.${o.label}`)].join('\n')
              : screen.text;
          expect(content(units.join('\n'))).to.equal(content(whole));
        });
      }
    });

    describe('send errors', () => {
      for (const c of cases.sendErrors) {
        it(`${c.name} – is a SendError, retryable ${c.retryable}, throttled ${c.throttled}`, () => {
          const mapped = definition.sendError(c.error);
          expect(mapped).to.be.instanceOf(SendError);
          expect({ retryable: mapped.retryable, throttled: mapped.throttled }).to.deep.equal({
            retryable: c.retryable,
            throttled: c.throttled,
          });
        });
      }
    });

    it('a retried step – answers the same twice and takes effect once', async () => {
      const { answers, effects } = await cases.replay(harness());
      expect(answers[1]).to.equal(answers[0]);
      expect(effects).to.equal(1);
    });
  });
}
