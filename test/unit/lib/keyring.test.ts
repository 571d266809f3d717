import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createKeyring, loadOrCreatePinKey } from '../../../src/lib/keyring.js';
import { hashSecret } from '../../../src/lib/secrets.js';

const A = '00'.repeat(32);
const B = '11'.repeat(32);

describe('keyring', () => {
  const ring = createKeyring(A);

  it('pinValue – is a keyed HMAC naming its key: the same under the same key, other under another', () => {
    const v = ring.pinValue('8613800138000', '135790');
    expect(v).to.match(/^pvv1\$[0-9a-f]{8}\$[0-9a-f]{64}$/);
    expect(v.split('$')[1]).to.equal(ring.keyId);
    expect(createKeyring(A).pinValue('8613800138000', '135790')).to.equal(v);
    expect(createKeyring(B).pinValue('8613800138000', '135790')).not.to.equal(v);
    expect(ring.pinValue('8613900139000', '135790')).not.to.equal(v); // bound to the MSISDN
    expect(ring.cardPinValue('8613800138000', '135790')).not.to.equal(v); // another subkey
  });

  it('verifyPin – right, wrong, under the previous key (upgraded), under an unknown key, legacy scrypt (upgraded)', async () => {
    const m = '8613800138000';
    expect(await ring.verifyPin(m, '135790', ring.pinValue(m, '135790'))).to.deep.equal({ ok: true });
    expect(await ring.verifyPin(m, '135791', ring.pinValue(m, '135790'))).to.deep.equal({ ok: false });
    const rotated = createKeyring(B, A);
    expect(await rotated.verifyPin(m, '135790', ring.pinValue(m, '135790'))).to.deep.equal({
      ok: true,
      upgrade: rotated.pinValue(m, '135790'),
    });
    expect(await createKeyring(B).verifyPin(m, '135790', ring.pinValue(m, '135790'))).to.deep.equal({ ok: false });
    const legacy = await hashSecret('135790', { N: 1024, r: 8, p: 1 });
    expect(await ring.verifyPin(m, '135790', legacy)).to.deep.equal({ ok: true, upgrade: ring.pinValue(m, '135790') });
    expect(await ring.verifyPin(m, '000000', legacy)).to.deep.equal({ ok: false });
  });

  it('seal – opens under the same key or as the previous key, and refuses an altered or foreign value', () => {
    const sealed = ring.seal('GM 302675 739146');
    expect(sealed).to.match(/^sealed1\.[0-9a-f]{8}\./);
    expect(sealed).not.to.include('302675');
    expect(ring.seal('GM 302675 739146')).not.to.equal(sealed); // a fresh IV each time
    expect(ring.unseal(sealed)).to.equal('GM 302675 739146');
    expect(createKeyring(B, A).unseal(sealed)).to.equal('GM 302675 739146');
    expect(() => createKeyring(B).unseal(sealed)).to.throw(/known PIN key/);
    const body = sealed.split('.')[2];
    const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}`;
    expect(() => ring.unseal(`sealed1.${ring.keyId}.${flipped}`)).to.throw();
  });

  it('fingerprint – is keyed', () => {
    expect(ring.fingerprint('x')).to.match(/^[0-9a-f]{64}$/);
    expect(createKeyring(B).fingerprint('x')).not.to.equal(ring.fingerprint('x'));
  });

  it('seal – 3,000 seals of one text (past two refills of the IV pool) – 3,000 different IVs, each opening', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 3_000; i++) {
      const sealed = ring.seal('same text');
      expect(ring.unseal(sealed)).to.equal('same text');
      ivs.add(Buffer.from(sealed.split('.')[2], 'base64url').subarray(0, 12).toString('hex'));
    }
    expect(ivs.size).to.equal(3_000);
  });

  it('loadOrCreatePinKey – makes a key file of mode 0600 once and reads it back after', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fen-key-'));
    const key = loadOrCreatePinKey(dir);
    expect(key).to.match(/^[0-9a-f]{64}$/);
    expect(statSync(path.join(dir, 'pin.key')).mode & 0o777).to.equal(0o600);
    expect(loadOrCreatePinKey(dir)).to.equal(key);
    expect(readFileSync(path.join(dir, 'pin.key'), 'utf8').trim()).to.equal(key);
  });
});
