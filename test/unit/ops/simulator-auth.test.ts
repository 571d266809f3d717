import { expect } from 'chai';
import { sessionCookie, sessionValid } from '../../../src/ops/index.js';

const TOKEN = 'unit-ops-token-0123456789';
const NOW = Date.UTC(2026, 11, 7, 8, 0, 0);

describe('simulator session cookie', () => {
  it('sessionValid – a cookie made under the token, before it expires – is valid', () => {
    expect(sessionValid(sessionCookie(TOKEN, NOW), TOKEN, NOW + 60_000)).to.equal(true);
  });

  it('sessionValid – twelve hours on – is expired', () => {
    expect(sessionValid(sessionCookie(TOKEN, NOW), TOKEN, NOW + 12 * 3600_000)).to.equal(false);
  });

  it('sessionValid – after the operator token changed – is refused', () => {
    expect(sessionValid(sessionCookie(TOKEN, NOW), 'another-ops-token-0123', NOW)).to.equal(false);
  });

  it('sessionValid – a later expiry with the old MAC, the token itself, garbage or nothing – is refused', () => {
    const [expires, mac] = sessionCookie(TOKEN, NOW).split('.');
    const forged = `${Number(expires) + 86_400}.${mac}`;
    for (const value of [forged, TOKEN, `${expires}.${TOKEN}`, '', 'x.y', undefined])
      expect(sessionValid(value, TOKEN, NOW), String(value)).to.equal(false);
  });

  it('sessionCookie – holds no part of the token', () => {
    expect(sessionCookie(TOKEN, NOW)).not.to.include(TOKEN.slice(0, 8));
  });
});
