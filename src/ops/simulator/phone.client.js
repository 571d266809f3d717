/*
 * The simulator page's own script (served as /simulator/phone.js; the page's CSP allows scripts from
 * self only). SMS goes through the simulator's API to the in-process SMSC; USSD and STK go straight to
 * the gateway's own channel routes, POST /ussd and POST /stk/events, as a USSD centre or an OTA platform
 * would call them, so the screens shown are exactly what those routes answer.
 */
(() => {
  const body = document.body;
  const t = JSON.parse(body.dataset.texts);
  const $ = (id) => document.getElementById(id);
  const msisdnInput = $('msisdn');

  /** A random hex id (crypto.randomUUID needs a secure context; getRandomValues does not). */
  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** The number typed, if it is an 11-digit mobile number (optionally +86). */
  function msisdn() {
    const digits = msisdnInput.value.replace(/[\s-]/g, '').replace(/^\+?86(?=1\d{10}$)/, '');
    return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
  }

  // ---- tabs
  const tabs = ['sms', 'ussd', 'stk'];
  function show(name) {
    for (const tab of tabs) {
      $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
      $(`pane-${tab}`).hidden = tab !== name;
    }
  }
  for (const tab of tabs) $(`tab-${tab}`).addEventListener('click', () => show(tab));

  // ---- the number
  $('new-number').addEventListener('click', () => {
    const n = crypto.getRandomValues(new Uint32Array(2));
    msisdnInput.value = `139${String(n[0] % 10000).padStart(4, '0')}${String(n[1] % 10000).padStart(4, '0')}`;
    changed();
  });
  msisdnInput.addEventListener('change', () => changed());
  function changed() {
    lastId = 0;
    $('inbox').replaceChildren();
    ussdReset(t.ussdIdle);
    stkReset();
    poll();
  }

  // ---- SMS: the inbox, polled; sending through the simulator's SMSC
  const smsStatus = $('sms-status');
  let lastId = 0;
  let polling = false;
  const smsOn = body.dataset.sms === 'on';
  if (!smsOn) {
    smsStatus.textContent = t.smsOff;
    $('sms-text').disabled = true;
    $('sms-send').disabled = true;
  }

  function addSms(sms) {
    const li = document.createElement('li');
    li.className = sms.direction;
    li.dataset.id = String(sms.id);
    const who = document.createElement('small');
    who.textContent = `${sms.direction === 'mo' ? t.me : sms.peer} · ${new Date(sms.at).toLocaleTimeString()}`;
    li.append(who, document.createTextNode(sms.text));
    $('inbox').append(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  async function poll() {
    const number = msisdn();
    if (!smsOn || polling || !number) return;
    polling = true;
    try {
      const res = await fetch(`/simulator/api/inbox?msisdn=${number}&after=${lastId}`);
      if (res.ok) {
        const { messages } = await res.json();
        if (number !== msisdn()) return;
        for (const sms of messages) {
          if (sms.id <= lastId) continue;
          lastId = sms.id;
          addSms(sms);
        }
        if (!$('inbox').children.length) smsStatus.textContent = t.smsEmpty;
        else if (smsStatus.textContent === t.smsEmpty) smsStatus.textContent = '';
      } else smsStatus.textContent = `${t.failed}${res.status}`;
    } finally {
      polling = false;
    }
  }
  setInterval(() => void poll(), 1000);
  void poll();

  $('sms-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const number = msisdn();
    const text = $('sms-text').value.trim();
    if (!number) {
      smsStatus.textContent = t.numberBad;
      return;
    }
    if (!text) return;
    smsStatus.textContent = '';
    const res = await fetch('/simulator/api/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: number, text }),
    });
    if (res.ok) {
      $('sms-text').value = '';
      await poll();
    } else {
      const answer = await res.json().catch(() => null);
      smsStatus.textContent = `${t.smsFailed}${answer?.error?.message ?? res.status}`;
    }
  });

  // ---- USSD: each step is a POST /ussd with the whole path so far, as Africa's Talking sends it
  let ussd = null;
  function ussdReset(text) {
    ussd = null;
    $('ussd-screen').textContent = text;
    $('ussd-input').value = '';
    for (const id of ['ussd-input', 'ussd-send', 'ussd-hangup']) $(id).disabled = true;
  }
  async function ussdStep(path) {
    const res = await fetch('/ussd', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sessionId: ussd.sessionId,
        serviceCode: ussd.code,
        phoneNumber: ussd.msisdn,
        text: path,
      }),
    });
    const answer = await res.text();
    const over = !answer.startsWith('CON ');
    ussd.path = path;
    $('ussd-screen').textContent = answer.replace(/^(CON|END) /, '');
    if (over) {
      const screen = $('ussd-screen').textContent;
      ussdReset(`${screen}\n\n— ${t.ussdEnded}`);
      return;
    }
    for (const id of ['ussd-input', 'ussd-send', 'ussd-hangup']) $(id).disabled = false;
    $('ussd-input').value = '';
    $('ussd-input').focus();
  }
  $('ussd-dial-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const number = msisdn();
    if (!number) {
      $('ussd-screen').textContent = t.numberBad;
      return;
    }
    ussd = { sessionId: `sim-${randomId()}`, code: $('ussd-code').value.trim(), msisdn: number, path: '' };
    await ussdStep('');
  });
  $('ussd-reply-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!ussd) return;
    const input = $('ussd-input').value.trim();
    $('ussd-input').value = '';
    await ussdStep(ussd.path === '' ? input : `${ussd.path}*${input}`);
  });
  // Hanging up sends nothing: the network drops the session, and the next dial offers to resume it.
  $('ussd-hangup').addEventListener('click', () => ussdReset(t.ussdEnded));

  // ---- STK: JSON events to POST /stk/events; "back" as the SIM's own terminal response (result 0x11)
  let stk = null;
  const COMMAND_TYPES = { SELECT_ITEM: '24', GET_INPUT: '23', DISPLAY_TEXT: '21' };
  function stkReset(text = t.stkIdle) {
    stk = null;
    const p = document.createElement('p');
    p.textContent = text;
    $('stk-screen').replaceChildren(p);
    $('stk-input-form').hidden = true;
    $('stk-back').disabled = true;
    $('stk-end').disabled = true;
  }
  async function stkSend(fields) {
    const res = await fetch('/stk/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: stk.msisdn, sessionId: stk.sessionId, ...fields }),
    });
    const reply = await res.json().catch(() => null);
    if (!res.ok || !reply) return stkReset(`${t.failed}${reply?.error?.message ?? res.status}`);
    stkShow(reply);
  }
  function stkShow(reply) {
    const screen = $('stk-screen');
    const parts = [];
    if (reply.title) {
      const h = document.createElement('h2');
      h.textContent = reply.title;
      parts.push(h);
    }
    if (reply.text) {
      const p = document.createElement('p');
      p.textContent = reply.text;
      parts.push(p);
    }
    if (reply.items) {
      const ol = document.createElement('ol');
      for (const item of reply.items) {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = item.text;
        button.dataset.item = item.id;
        button.addEventListener('click', () => void stkSend({ event: 'select', itemId: item.id }));
        li.append(button);
        ol.append(li);
      }
      parts.push(ol);
    }
    screen.replaceChildren(...parts);
    if (reply.command === 'END') {
      const p = document.createElement('p');
      p.textContent = `— ${t.ussdEnded}`;
      screen.append(p);
      stk = null;
      $('stk-input-form').hidden = true;
      $('stk-back').disabled = true;
      $('stk-end').disabled = true;
      return;
    }
    stk.command = reply.command;
    const asks = reply.command === 'GET_INPUT' || reply.command === 'DISPLAY_TEXT';
    $('stk-input-form').hidden = !asks;
    const input = $('stk-input');
    input.hidden = reply.command !== 'GET_INPUT';
    input.value = '';
    input.type = reply.input?.hidden ? 'password' : 'text';
    input.inputMode = reply.input?.digitsOnly ? 'numeric' : 'text';
    input.maxLength = reply.input?.maxLength ?? 255;
    $('stk-back').disabled = false;
    $('stk-end').disabled = false;
    if (reply.command === 'GET_INPUT') input.focus();
  }
  $('stk-open').addEventListener('click', async () => {
    const number = msisdn();
    if (!number) return stkReset(t.numberBad);
    stk = { msisdn: number, sessionId: `sim-${randomId()}`, command: null };
    await stkSend({ event: 'menu' });
  });
  $('stk-input-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!stk) return;
    // A DISPLAY TEXT is cleared by an empty input (INTERFACES §6's JSON form).
    await stkSend({ event: 'input', input: stk.command === 'GET_INPUT' ? $('stk-input').value : '' });
  });
  $('stk-back').addEventListener('click', async () => {
    if (!stk?.command) return;
    const type = COMMAND_TYPES[stk.command];
    // Command details (number 01, the type answered), device identities ME → UICC, result 11: backward move.
    await stkSend({ tlv: `810301${type}0082028281830111` });
  });
  $('stk-end').addEventListener('click', async () => {
    if (!stk) return;
    await stkSend({ event: 'end' });
  });
})();
