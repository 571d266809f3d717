/**
 * The wall screen's and the login page's HTML, in Chinese (the default) or English. The pages load
 * only this gateway's own files: uPlot and its stylesheet from `node_modules`, the wall's script and
 * stylesheet beside this file; the texts the script needs travel in a JSON data block, which runs
 * nothing.
 */
export type WallLocale = 'zh-CN' | 'en';

const TEXTS = {
  'zh-CN': {
    title: '运营监控大屏',
    login: '运营登录',
    name: '操作员姓名',
    token: '运营令牌',
    submit: '登录',
    logout: '退出',
    wrong: '姓名或令牌不正确。',
    csrf: '页面已过期,请重新登录。',
    sms: '短信 每分钟 (上行/下行)',
    payments: '支付 每分钟 (按结果)',
    queues: '队列深度与耗时',
    refusals: '拒绝原因 (30分钟)',
    binds: 'SMPP 连接',
    sessions: '在线会话',
    ledger: '账务核对',
    balanced: '平衡',
    unbalanced: '不平衡!',
    paid30: '30分钟支付笔数',
    mo: '上行',
    mt: '下行',
    paid: '成功',
    declined: '拒绝',
    expired: '过期',
    up: '在线',
    down: '断开',
    none: '无',
    queue: '队列',
    waiting: '等待',
    active: '处理中',
    delayed: '延迟',
    failed: '失败',
    latency: '耗时(毫秒)',
    board: '任务队列',
    other: 'English',
    live: '实时',
    lost: '连接中断,重连中…',
  },
  en: {
    title: 'Operations wall',
    login: 'Operator login',
    name: 'Your name',
    token: 'Operator token',
    submit: 'Log in',
    logout: 'Log out',
    wrong: 'Wrong name or token.',
    csrf: 'This page has expired; please log in again.',
    sms: 'SMS per minute (MO/MT)',
    payments: 'Payments per minute by outcome',
    queues: 'Queue depths and latency',
    refusals: 'Refusals by reason (30 min)',
    binds: 'SMPP binds',
    sessions: 'Open sessions',
    ledger: 'Ledger check',
    balanced: 'balanced',
    unbalanced: 'NOT BALANCED!',
    paid30: 'Payments in 30 min',
    mo: 'MO',
    mt: 'MT',
    paid: 'paid',
    declined: 'declined',
    expired: 'expired',
    up: 'up',
    down: 'down',
    none: 'none',
    queue: 'Queue',
    waiting: 'waiting',
    active: 'active',
    delayed: 'delayed',
    failed: 'failed',
    latency: 'latency ms',
    board: 'Job queues',
    other: '中文',
    live: 'live',
    lost: 'Connection lost, reconnecting…',
  },
} as const;

export type WallTexts = (typeof TEXTS)[WallLocale];
export const wallTexts = (locale: WallLocale): WallTexts => TEXTS[locale];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** JSON safe inside a `<script type="application/json">` block (no `</script>`, no `<!--`). */
const jsonBlock = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const head = (locale: WallLocale, title: string, charts: boolean) => `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
${charts ? '<link rel="stylesheet" href="/ops/assets/uPlot.min.css">\n' : ''}<link rel="stylesheet" href="/ops/wall.css">
</head>`;

export function wallPage(locale: WallLocale, operator: string, csrf: string | null): string {
  const t = TEXTS[locale];
  const other = locale === 'en' ? 'zh-CN' : 'en';
  const logout = csrf
    ? `<form method="post" action="/ops/logout" class="inline"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">${t.logout}</button></form>`
    : '';
  return `${head(locale, t.title, true)}
<body class="wall">
<header><h1>${t.title}</h1>
<span id="status" class="status">…</span>
<nav><a href="/ops/queues">${t.board}</a> <a href="/ops?lang=${other}">${t.other}</a>
<span class="who">${escapeHtml(operator)}</span> ${logout}</nav></header>
<main>
<section class="tile"><h2>${t.paid30}</h2><p class="big" id="paid-total">–</p></section>
<section class="tile"><h2>${t.ledger}</h2><p class="big" id="ledger">–</p></section>
<section class="tile"><h2>${t.binds}</h2><ul id="binds"></ul></section>
<section class="tile"><h2>${t.sessions}</h2><table id="sessions"></table></section>
<section class="chart"><h2>${t.payments}</h2><div id="chart-payments"></div></section>
<section class="chart"><h2>${t.sms}</h2><div id="chart-sms"></div></section>
<section class="chart"><h2>${t.queues}</h2><div id="chart-queues"></div><table id="queues"></table></section>
<section class="tile"><h2>${t.refusals}</h2><table id="refusals"></table></section>
</main>
<script type="application/json" id="texts">${jsonBlock(t)}</script>
<script src="/ops/assets/uPlot.iife.min.js"></script>
<script src="/ops/assets/wall.client.js"></script>
</body></html>`;
}

export function loginPage(
  locale: WallLocale,
  csrf: string,
  next: string,
  problem: 'wrong' | 'csrf' | null,
  name = '',
): string {
  const t = TEXTS[locale];
  const other = locale === 'en' ? 'zh-CN' : 'en';
  const error = problem ? `<p class="error" role="alert">${t[problem]}</p>` : '';
  return `${head(locale, t.login, false)}
<body class="login"><main>
<h1>${t.login}</h1>${error}
<form method="post" action="/ops/login?lang=${locale}">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label>${t.name}<input name="name" autocomplete="username" required maxlength="64" value="${escapeHtml(name)}"></label>
<label>${t.token}<input name="token" type="password" autocomplete="current-password" required></label>
<button type="submit">${t.submit}</button>
</form>
<p><a href="/ops/login?lang=${other}&amp;next=${encodeURIComponent(next)}">${t.other}</a></p>
</main></body></html>`;
}
