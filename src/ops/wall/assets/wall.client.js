/*
 * The wall screen in the browser: draws uPlot charts from the snapshots the server pushes on
 * `/ops/events` (server-sent events) and redraws them with each one. No framework, nothing from outside.
 */
(() => {
  const t = JSON.parse(document.getElementById('texts').textContent);
  const byId = (id) => document.getElementById(id);
  const queueHistory = { at: [], waiting: [], failed: [] };
  const charts = {};

  function cell(row, text, tag) {
    const el = document.createElement(tag || 'td');
    el.textContent = String(text);
    row.appendChild(el);
  }

  function table(el, header, rows) {
    el.replaceChildren();
    const head = el.insertRow();
    for (const h of header) cell(head, h, 'th');
    for (const r of rows) {
      const row = el.insertRow();
      for (const c of r) cell(row, c);
    }
  }

  function chart(id, labels, colors, data) {
    const el = byId(id);
    // What each series now adds up to, for whoever checks the chart against the counters.
    el.dataset.sums = data
      .slice(1)
      .map((s) => s.reduce((a, b) => a + b, 0))
      .join(',');
    if (charts[id]) {
      charts[id].setData(data);
      return;
    }
    const series = [{}].concat(labels.map((label, i) => ({ label, stroke: colors[i], width: 2 })));
    const width = Math.max(280, el.clientWidth || 480);
    charts[id] = new uPlot({ width, height: 180, series, scales: { x: { time: true } } }, data, el);
  }

  function draw(s) {
    const paid = s.series['payment.paid'];
    byId('paid-total').textContent = String(paid.reduce((a, b) => a + b, 0));
    const ledger = byId('ledger');
    ledger.textContent = s.ledger.balanced ? t.balanced : t.unbalanced;
    ledger.className = s.ledger.balanced ? 'big ok' : 'big bad';
    const binds = byId('binds');
    binds.replaceChildren();
    for (const b of s.binds.length ? s.binds : [{ bind: t.none, up: null }]) {
      const li = document.createElement('li');
      li.textContent = b.up === null ? b.bind : `${b.bind}: ${b.up ? t.up : t.down}`;
      li.className = b.up === false ? 'bad' : 'ok';
      binds.appendChild(li);
    }
    chart(
      'chart-payments',
      [t.paid, t.declined, t.expired],
      ['#2a9d4a', '#d08a00', '#999'],
      [s.minutes, paid, s.series['payment.declined'], s.series['payment.expired']],
    );
    chart(
      'chart-sms',
      [t.mo, t.mt],
      ['#2060c0', '#a040a0'],
      [s.minutes, s.series['sms.mo'], s.series['sms.mt']],
    );
    const total = (k) => s.queues.reduce((a, q) => a + q[k], 0);
    queueHistory.at.push(Math.floor(s.at / 1000));
    queueHistory.waiting.push(total('waiting'));
    queueHistory.failed.push(total('failed'));
    if (queueHistory.at.length > 300) for (const k of Object.keys(queueHistory)) queueHistory[k].shift();
    chart(
      'chart-queues',
      [t.waiting, t.failed],
      ['#2060c0', '#c03030'],
      [queueHistory.at, queueHistory.waiting, queueHistory.failed],
    );
    table(
      byId('queues'),
      [t.queue, t.waiting, t.active, t.delayed, t.failed, t.latency],
      s.queues
        .filter((q) => q.waiting + q.active + q.delayed + q.failed > 0 || q.latencyMs !== null)
        .map((q) => [q.name, q.waiting, q.active, q.delayed, q.failed, q.latencyMs ?? '–']),
    );
    const more = s.sessionsCapped ? '+' : '';
    table(
      byId('sessions'),
      ['', ''],
      Object.entries(s.sessions).map(([channel, n]) => [channel.toUpperCase(), `${n}${more}`]),
    );
    const refusals = Object.entries(s.refusals).sort((a, b) => b[1] - a[1]);
    table(byId('refusals'), ['', ''], refusals.length ? refusals : [[t.none, 0]]);
    byId('status').textContent = `${t.live} ${new Date(s.at).toLocaleTimeString()}`;
    document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots || 0) + 1);
  }

  const events = new EventSource('/ops/events');
  events.addEventListener('snapshot', (e) => draw(JSON.parse(e.data)));
  events.onerror = () => {
    byId('status').textContent = t.lost;
  };
})();
