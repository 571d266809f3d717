import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { encodeProactive, stkRoutes } from '../../../src/channels/stk/index.js';
import { issueVouchers } from '../../../src/ledger/vouchers.js';
import { keyringOf } from '../../../src/lib/keyring.js';
import { sessionKey } from '../../../src/sessions/index.js';
import { type ChannelRig, startChannelRig } from '../../helpers/channel-rig.js';
import { newMsisdn } from '../../helpers/harness.js';
import { walletBalance } from '../../helpers/ledger.js';
import { askToPay, PIN, ROOT, type StkWorld, stkCases } from './cases.js';
import { type StkAction, type StkMode, StkPhone, shown } from './stk-phone.js';

describe('STK over POST /stk/events (real queue and ledger)', () => {
  let rig: ChannelRig;
  const merchant = `s${randomUUID().slice(0, 6)}`;

  before(async () => {
    // Every step looks for a merchant's request: the push case makes one between two quick steps.
    rig = await startChannelRig(stkRoutes, { locale: 'en', stkPushCheckMs: 0 });
    await rig.h.merchant(merchant, 'Corner Shop');
  });
  after(() => rig.close());

  async function world(stranger = false): Promise<StkWorld> {
    const user = stranger ? newMsisdn() : await rig.h.openWallet(newMsisdn(), 10_000n);
    const other = await rig.h.openWallet(newMsisdn());
    const [card] = await issueVouchers(rig.h.db, keyringOf(rig.h.config), 1, 5_000n);
    return { rig, user, other, card, merchant };
  }
  const phone = (msisdn: string, mode: StkMode = 'tlv') => new StkPhone(rig.server, msisdn, mode);

  for (const mode of ['json', 'tlv'] as const) {
    describe(`the journeys of §6 – ${mode === 'json' ? 'JSON events' : 'TLV (envelopes and terminal responses)'}`, () => {
      for (const c of stkCases) {
        if (c.tlvOnly && mode === 'json') continue;
        it(c.name, async () => {
          const w = await world(c.stranger);
          await c.given?.(w);
          const p = phone(w.user, mode);
          for (const [i, [action, expected]] of c.steps(w).entries()) {
            if (c.meanwhile?.step === i) await c.meanwhile.run(w);
            expect(await p.do(action), `step ${i}: ${JSON.stringify(action)}`).to.equal(expected);
          }
          await c.effect?.(w);
        });
      }
    });
  }

  it('every reply of a journey – its tlv is one proactive command of its type, command number 01, length right', async () => {
    const w = await world();
    const p = phone(w.user, 'json');
    const TYPES: Record<string, string> = { SELECT_ITEM: '24', GET_INPUT: '23', DISPLAY_TEXT: '21' };
    const actions: StkAction[] = [
      { menu: null },
      { select: 3 },
      { input: merchant },
      { input: '2' },
      { input: PIN },
    ];
    for (const action of actions) {
      await p.do(action);
      const reply = p.last;
      if (!reply) throw new Error(`no reply to ${JSON.stringify(action)}`);
      const tlv = Buffer.from(reply.tlv, 'hex');
      // D0, a length of one octet or 81 xx that counts the rest, then 81 03 01 <type> <qualifier>.
      const at = tlv[1] === 0x81 ? 3 : 2;
      expect(tlv[0]).to.equal(0xd0);
      expect(tlv[at - 1]).to.equal(tlv.length - at);
      expect(tlv.length).to.be.at.most(255);
      expect(reply.tlv.slice(at * 2, at * 2 + 8)).to.equal(`810301${TYPES[reply.command]}`);
      // A GET INPUT encoded again from what the JSON describes is its tlv, byte for byte.
      if (reply.command === 'GET_INPUT' && reply.input)
        expect(reply.tlv).to.equal(
          encodeProactive({ type: 'GET_INPUT', text: reply.text ?? '', ...reply.input })
            .toString('hex')
            .toUpperCase(),
        );
    }
  });

  it('a reply – application/json; charset=utf-8 with its Content-Length, as res.json sent it', async () => {
    const w = await world();
    const res = await fetch(`${rig.server.url}/stk/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: w.user, sessionId: `h-${randomUUID()}`, event: 'menu' }),
    });
    const body = await res.text();
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).to.equal(String(Buffer.byteLength(body)));
    expect(res.headers.get('transfer-encoding')).to.equal(null);
    expect(JSON.parse(body)).to.include({ command: 'SELECT_ITEM' });
  });

  it('a PIN prompt – GET INPUT with "hide input" (qualifier 04) and digits only', async () => {
    const w = await world();
    const p = phone(w.user);
    for (const action of [{ menu: 3 }, { input: merchant }, { input: '1' }]) await p.do(action);
    const tlv = Buffer.from(p.last?.tlv ?? '', 'hex');
    // D0 len 81 03 01 23 <qualifier>
    expect([tlv[4], tlv[5], tlv[6]]).to.deep.equal([0x01, 0x23, 0x04]);
    expect(p.last?.input).to.deep.equal({ minLength: 6, maxLength: 6, digitsOnly: true, hidden: true });
  });

  it('Chinese – the menu is SELECT ITEM with UCS2 (0x80) alpha identifier and items', async () => {
    const w = await world();
    await rig.h.run('account.locale', { msisdn: w.user, locale: 'zh-CN' });
    const p = phone(w.user);
    expect(await p.do({ menu: 6 })).to.match(/^SELECT 我的账户 \| 1\./);
    const tlv = p.last?.tlv ?? '';
    const ucs2 = (value: string) => Buffer.from(value, 'utf16le').swap16().toString('hex').toUpperCase();
    // Alpha identifier 85 <len> 80 <UCS2>; the first item 8F <len> 01 80 <UCS2>.
    expect(tlv).to.include(`850980${ucs2('我的账户')}`);
    const first = p.last?.items?.[0]?.text ?? '';
    const length = (2 + first.length * 2).toString(16).toUpperCase().padStart(2, '0');
    expect(tlv).to.include(`8F${length}0180${ucs2(first)}`);
  });

  it('a retried back raced with its original – both answered with the root menu, not the exit', async () => {
    const w = await world();
    const p = phone(w.user);
    expect(await p.do({ menu: 6 }))
      .to.match(/^SELECT /)
      .and.not.equal(ROOT);
    // A SELECT ITEM answered by a SELECT ITEM: only its racing the original tells the copy apart.
    const body = p.body('back');
    const replies = await Promise.all([p.post(body), p.post(body)]);
    expect(replies.map((reply) => shown(JSON.parse(reply.text)))).to.deep.equal([ROOT, ROOT]);
  });

  it('a session opened on item 6 of the SIM menu, then back and 6 again – its record keeps the root behind the account menu and nothing behind the root', async () => {
    const w = await world();
    const p = phone(w.user);
    const keys = keyringOf(rig.h.config);
    const key = sessionKey(rig.h.config.redisPrefix, 'stk', p.sessionId);
    /** Where each screen kept behind the one shown was (`whereIs`: the flow's states, outermost first). */
    const behind = async () => {
      const record = JSON.parse(keys.unseal((await rig.h.redis.get(key)) ?? ''));
      return (record.state.menu.history as { at: string }[]).map((h) => JSON.parse(h.at)[0]);
    };
    expect(await p.do({ menu: 6 })).to.match(/^SELECT My account/);
    expect(await behind()).to.deep.equal(['menu']);
    expect(await p.do('back')).to.equal(ROOT);
    expect(await behind()).to.deep.equal([]);
    expect(await p.do({ select: 6 })).to.match(/^SELECT My account/);
    expect(await behind()).to.deep.equal(['menu']);
  });

  it('GET /stk/menu – the root menu as a SET UP MENU, items 1-6 in order, Chinese in UCS2', async () => {
    const en = await rig.server.call('GET', '/stk/menu?locale=en');
    expect(en.status).to.equal(200);
    const menu = JSON.parse(en.text);
    expect(shown({ ...menu, command: 'SELECT_ITEM' })).to.equal(ROOT);
    expect(menu.command).to.equal('SET_UP_MENU');
    expect(menu.tlv.slice(0, 16)).to.match(/^D0[0-9A-F]{2}81030125/);
    const zh = JSON.parse((await rig.server.call('GET', '/stk/menu?locale=zh-CN')).text);
    expect(zh.items.map((i: { id: string }) => i.id)).to.deep.equal(['1', '2', '3', '4', '5', '6']);
    // The alpha identifier: 85 09, then 80 and 手机钱包 in UCS2 (UTF-16BE).
    expect(zh.tlv).to.include('850980624B673A94B15305');
    expect((await rig.server.call('GET', '/stk/menu?locale=fr')).status).to.equal(400);
  });

  it('a retried terminal response – the PIN sent twice – the same answer, paid once', async () => {
    const w = await world();
    const p = phone(w.user);
    for (const action of [{ menu: 3 }, { input: merchant }, { input: '12.5' }]) await p.do(action);
    const body = p.body({ input: PIN });
    const [first, second] = await Promise.all([p.post(body), p.post(body)]);
    const third = await p.post(body);
    for (const reply of [first, second, third]) {
      expect(reply.status).to.equal(200);
      expect(shown(JSON.parse(reply.text))).to.equal(
        'DISPLAY You paid ¥12.50 to Corner Shop. Balance ¥87.50.',
      );
    }
    expect(await walletBalance(rig.h, w.user)).to.equal(8_750n);
    const payments = await rig.h
      .db('commands')
      .where('key', 'like', `stk:${p.sessionId}:%`)
      .where({ type: 'payment' });
    expect(payments).to.have.length(1);
  });

  describe('bad input – 400 with what is wrong, and the session does not move', () => {
    /** The session as kept: the runtime's record (the menu's state and the channel's, in one). */
    const records = (p: StkPhone) =>
      rig.h.redis.mget(sessionKey(rig.h.config.redisPrefix, 'stk', p.sessionId));
    async function atPinPrompt() {
      const w = await world();
      const p = phone(w.user);
      for (const action of [{ menu: 3 }, { input: merchant }, { input: '1' }]) await p.do(action);
      return { w, p, record: await records(p) };
    }
    /** After the refusal, the session is where it was: the record unchanged, and the PIN still pays. */
    async function unmoved(p: StkPhone, kept: (string | null)[]) {
      expect(kept[0], 'a runtime record').to.be.a('string');
      expect(await records(p)).to.deep.equal(kept);
      expect(await p.do({ input: PIN })).to.equal('DISPLAY You paid ¥1.00 to Corner Shop. Balance ¥99.00.');
    }
    const refused = async (body: Record<string, unknown>, message: RegExp) => {
      const { w, p, record } = await atPinPrompt();
      const res = await p.post({ msisdn: w.user, sessionId: p.sessionId, ...body });
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.text).error.message).to.match(message);
      await unmoved(p, record);
    };
    it('a truncated TLV', () => refused({ tlv: '8103012304820282818301008D07043133' }, /overruns/));
    it('a length that overruns', () =>
      refused({ tlv: '8103012304820282818301008D7F0431' }, /tag 8D: length 127 overruns/));
    it('a non-minimal length (81 07)', () =>
      refused({ tlv: '8103012304820282818301008D8107043133353739 30' }, /non-minimal length 81 07/));
    it('an unknown tag with the comprehension-required bit', () =>
      refused({ tlv: '810301230482028281830100FE0100' }, /unknown tag FE marked comprehension required/));
    it('a terminal response to another command type than the last (SELECT ITEM to a GET INPUT)', () =>
      refused(
        { tlv: '810301240082028281830100900101' },
        /answers command type 24, but the last proactive command was 23/,
      ));
    it('not hex', () => refused({ tlv: 'hello' }, /not hex/));
    it('a terminal response to another command number than 01', () =>
      refused({ tlv: '8103022304820282818301008D0704313335373930' }, /command number 2, not 1/));
    it('a JSON event of an unknown kind', () =>
      refused({ event: 'press' }, /event is missing or not one of/));
    it('a JSON input that is not a string', () =>
      refused({ event: 'input', input: 135790 }, /input is missing or not a string/));
    it('a JSON select of an item the screen does not offer', async () => {
      const w = await world();
      const p = phone(w.user, 'json');
      await p.do({ menu: 6 });
      expect(await p.do({ select: 7 })).to.equal('400 item 7 is not an item of the menu shown');
      expect(await p.do({ select: 2 })).to.match(/^INPUT Freeze for how many days/);
    });
    it('no msisdn – 400, and no session is made', async () => {
      const res = await rig.server.call('POST', '/stk/events', { body: { sessionId: 'x1', event: 'menu' } });
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.text).error.message).to.equal('msisdn is missing or not a string');
      expect(await rig.h.redis.exists(sessionKey(rig.h.config.redisPrefix, 'stk', 'x1'))).to.equal(0);
    });
    it('a terminal response with no session – 400', async () => {
      const w = await world();
      const res = await phone(w.user).post({
        msisdn: w.user,
        sessionId: randomUUID(),
        tlv: '810301218082028281830100',
      });
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.text).error.message).to.equal(
        'no proactive command is outstanding in this session',
      );
    });
  });

  it('help asked on an item of the SIM menu (an envelope with help request, menu_selection_211) – help, then END', async () => {
    const w = await world();
    const p = phone(w.user);
    const help = await p.post({ msisdn: w.user, sessionId: p.sessionId, tlv: 'D30982020181900102 1500' });
    expect(shown(JSON.parse(help.text))).to.match(/^DISPLAY Menu: 1 balance, 2 top up/);
    p.last = JSON.parse(help.text);
    expect(await p.do('ok')).to.equal('END');
  });

  it('the JSON menu event without an item – the root menu as a SELECT ITEM, then an item of it', async () => {
    const w = await world();
    const p = phone(w.user, 'json');
    expect(await p.do({ menu: null })).to.equal(ROOT);
    expect(await p.do({ select: 1 })).to.equal('DISPLAY Balance ¥100.00, available ¥100.00.');
    expect(await p.do('ok')).to.equal('END');
  });

  it('a merchant request already shown in the session – not pushed again at the next step', async () => {
    const w = await world();
    await askToPay(w, '200');
    const p = phone(w.user);
    expect(await p.do({ menu: 2 })).to.equal('SELECT Corner Shop asks you to pay ¥2.00 | 1.Pay | 2.Decline');
    expect(await p.do({ select: 2 })).to.match(/^DISPLAY /);
    expect(await p.do('ok')).to.equal('END');
    const key = sessionKey(rig.h.config.redisPrefix, 'stk', p.sessionId);
    expect(await rig.h.redis.exists(key)).to.equal(0);
  });
});
