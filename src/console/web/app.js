// corridor's operator console: a single page on the admin listener. Every figure comes from
// the admin API (JSON) and /metrics; every action is an admin API call, with the admin token
// (kept in sessionStorage) and the X-Corridor-Request header the listener requires of writes.
// Elements carry data-* attributes (points, participant, uetr...) that the browser tests read.
'use strict';

const TOKEN_KEY = 'corridor-admin-token';
const POLL_MS = 2000;
const WINDOW_S = 15 * 60;  // the charts' span: the last 15 minutes
const KEEP = WINDOW_S * 1000 / POLL_MS + 1;

// ---- small helpers ----------------------------------------------------------------------

// Builds an element; text children only through textContent (names come from participants).
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function notice(text, ok) {
  const n = document.getElementById('notice');
  n.textContent = text || '';
  n.className = text ? (ok ? 'ok' : 'error') : '';
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

// An admin API call: {status, json, text}. Writes carry the header the listener requires.
async function api(method, path, body) {
  const headers = {};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  if (method !== 'GET') {
    headers['X-Corridor-Request'] = '1';
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit', cache: 'no-store',
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* /metrics is text */ }
  if (res.status === 401) notice('The admin API needs its token: paste it above.');
  return { status: res.status, json, text };
}

function errorOf(r) {
  return (r.json && r.json.error) ? r.json.error : ('HTTP ' + r.status);
}

// Decimal strings ("1500.00") to numbers for bars and charts only; shown as sent.
function num(s) { return s === undefined ? 0 : Number(s); }

// ---- /metrics -----------------------------------------------------------------------------

// Prometheus text format to [{name, labels, value}].
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = re.exec(m[3] || '')) !== null) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

function pick(samples, name, match) {
  return samples.filter(s => s.name === name &&
    Object.entries(match || {}).every(([k, v]) => s.labels[k] === v));
}

function sum(samples, name, match) {
  return pick(samples, name, match).reduce((a, s) => a + s.value, 0);
}

// Cumulative buckets {le: count} of one histogram series.
function buckets(samples, name, match) {
  const b = {};
  for (const s of pick(samples, name + '_bucket', match)) b[s.labels.le] = s.value;
  return b;
}

// The q-quantile (seconds) of what was observed between two cumulative bucket sets, by
// linear interpolation inside the bucket (as Prometheus's histogram_quantile); null if none.
function quantileOfDelta(before, after, q) {
  const les = Object.keys(after).filter(k => k !== '+Inf').map(Number).sort((a, b) => a - b);
  const count = (after['+Inf'] || 0) - ((before && before['+Inf']) || 0);
  if (!(count > 0)) return null;
  const rank = q * count;
  let prevLe = 0, prevCum = 0;
  for (const le of les) {
    const key = Object.keys(after).find(k => Number(k) === le);
    const cum = after[key] - ((before && before[key]) || 0);
    if (cum >= rank) {
      const inBucket = cum - prevCum;
      return inBucket > 0 ? prevLe + (le - prevLe) * (rank - prevCum) / inBucket : le;
    }
    prevLe = le;
    prevCum = cum;
  }
  return prevLe;  // past the last finite bound: report that bound
}

// ---- the sampler: one /metrics read every 2 s, kept for 15 minutes ---------------------

// The latency series: hub-side request time of payments and card authorizations, from the
// histograms the hub exports (absent ones are skipped).
const LATENCIES = [
  { label: 'payment (pacs.008 request)', name: 'corridor_http_request_duration_seconds',
    match: { listener: 'participants', route: 'POST /iso20022/pacs.008' } },
  { label: 'payment end to end', name: 'corridor_payment_duration_seconds',
    match: { scope: 'end_to_end' } },
  { label: 'payment, hub only', name: 'corridor_payment_duration_seconds',
    match: { scope: 'hub' } },
  { label: 'card authorization, hub only', name: 'corridor_card_authorization_duration_seconds',
    match: {} },
];

// Where journaled commands wait in the core (corridor_core_stage_seconds), to tell which part a
// latency tail is in: for the sequencer, the journal's write and fdatasync, the apply thread.
const STAGES = ['queued', 'journal', 'handover', 'answer'];

const history = { t: [], payments: [], auths: [], p99: LATENCIES.map(() => []),
                  stages: STAGES.map(() => []), rejections: {} };
let previous = null;  // the last sample's counters and buckets
let latest = [];      // the last /metrics samples (the queues page reads them)

function push(arr, v) { arr.push(v); if (arr.length > KEEP) arr.shift(); }

async function sample() {
  let r;
  try { r = await api('GET', '/metrics'); } catch (e) { return; }
  if (r.status !== 200) return;
  const s = parseMetrics(r.text);
  latest = s;
  const now = Date.now() / 1000;
  const cur = {
    t: now,
    payments: sum(s, 'corridor_payments'),
    auths: sum(s, 'corridor_card_authorizations_total'),
    buckets: LATENCIES.map(l => buckets(s, l.name, l.match)),
    stages: STAGES.map(stage => buckets(s, 'corridor_core_stage_seconds', { stage })),
    rejections: {},
  };
  for (const x of pick(s, 'corridor_payments_total', { status: 'RJCT' })) {
    cur.rejections[x.labels.reason || '(none)'] = x.value;
  }
  if (previous) {
    const dt = Math.max(now - previous.t, 0.001);
    const rate = (a, b) => Math.max(0, (a - b) / dt);
    push(history.t, now);
    push(history.payments, rate(cur.payments, previous.payments));
    push(history.auths, rate(cur.auths, previous.auths));
    LATENCIES.forEach((l, i) => {
      const q = quantileOfDelta(previous.buckets[i], cur.buckets[i], 0.99);
      push(history.p99[i], q === null ? null : q * 1000);
    });
    STAGES.forEach((stage, i) => {
      const q = quantileOfDelta(previous.stages[i], cur.stages[i], 0.99);
      push(history.stages[i], q === null ? null : q * 1000);
    });
    const reasons = new Set([...Object.keys(cur.rejections), ...Object.keys(history.rejections)]);
    for (const reason of reasons) {
      if (!history.rejections[reason]) {
        history.rejections[reason] = new Array(history.t.length - 1).fill(null);
      }
      push(history.rejections[reason],
           rate(cur.rejections[reason] || 0, previous.rejections[reason] || 0));
    }
    // Series longer than the time axis lost their first point with the shift above.
    for (const arr of Object.values(history.rejections)) {
      while (arr.length > history.t.length) arr.shift();
    }
  }
  previous = cur;
  if (current === 'overview') drawOverview();
  if (current === 'queues') drawQueues();
}

// ---- overview ---------------------------------------------------------------------------

const charts = {};

function chartBox(id, title) {
  return h('div', { class: 'chart', id: 'chart-' + id, 'data-points': 0 },
           h('h3', {}, title), h('div', { class: 'plot' }));
}

// (Re)draws one uPlot chart; a new set of series makes a new chart.
function drawChart(id, seriesLabels, ys, unit) {
  const box = document.getElementById('chart-' + id);
  if (!box) return;
  const data = [history.t.slice(), ...ys.map(y => y.slice())];
  const points = history.t.length;
  box.setAttribute('data-points', points);
  box.setAttribute('data-max', Math.max(0, ...ys.flat().filter(v => v !== null)));
  const key = seriesLabels.join('|');
  let c = charts[id];
  if (c && (c.key !== key || !box.contains(c.plot.root))) {
    c.plot.destroy();
    c = null;
  }
  if (!c) {
    const colors = ['#3b82f6', '#f59e0b', '#10b981', '#dc2626', '#8b5cf6', '#0ea5e9', '#64748b'];
    const opts = {
      width: Math.max(box.clientWidth - 16, 400), height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: unit }],
      series: [{}, ...seriesLabels.map((label, i) => ({
        label, stroke: colors[i % colors.length], width: 2, spanGaps: false,
      }))],
    };
    c = { key, plot: new uPlot(opts, data, box.querySelector('.plot')) };
    charts[id] = c;
  } else {
    c.plot.setData(data);
  }
  const now = Date.now() / 1000;
  c.plot.setScale('x', { min: now - WINDOW_S, max: now });
}

function renderOverview(page) {
  page.append(
    h('h2', {}, 'The last 15 minutes (every 2 s from /metrics)'),
    h('div', { class: 'charts' },
      chartBox('throughput', 'Payments and card authorizations per second'),
      chartBox('latency', 'p99 latency (ms)'),
      chartBox('core', 'p99 wait of a journaled command in the core, by stage (ms)'),
      chartBox('rejections', 'Rejections per second by reason')));
  for (const k of Object.keys(charts)) { charts[k].plot.destroy(); delete charts[k]; }
  drawOverview();
}

function drawOverview() {
  drawChart('throughput', ['payments/s', 'authorizations/s'], [history.payments, history.auths],
            'per second');
  const shown = LATENCIES.map((l, i) => i).filter(i =>
    i === 0 || history.p99[i].some(v => v !== null));
  drawChart('latency', shown.map(i => LATENCIES[i].label), shown.map(i => history.p99[i]), 'ms');
  drawChart('core', STAGES, history.stages, 'ms');
  const reasons = Object.keys(history.rejections).sort();
  drawChart('rejections', reasons.length ? reasons : ['(none yet)'],
            reasons.length ? reasons.map(r => history.rejections[r]) :
              [history.t.map(() => 0)], 'per second');
}

// ---- participants -------------------------------------------------------------------------

function capUsed(p) {
  // What the position has taken of its cap: cap less what is available, within [0, cap].
  const cap = num(p.net_debit_cap);
  if (cap <= 0) return 0;
  return Math.min(1, Math.max(0, (cap - num(p.available)) / cap));
}

async function renderParticipants(page) {
  const r = await api('GET', '/v1/participants');
  if (r.status !== 200) return page.append(h('p', {}, 'Cannot list participants: ' + errorOf(r)));
  const list = r.json;
  const rows = [];
  for (const p of list) {
    const positions = p.positions.length ? p.positions : [null];
    positions.forEach((pos, i) => {
      const used = pos ? capUsed(pos) : 0;
      rows.push(h('tr', { 'data-participant': p.id, 'data-currency': pos ? pos.currency : '' },
        h('td', {}, i === 0 ? p.id : ''),
        h('td', {}, i === 0 ? p.name : ''),
        h('td', { class: 'status-' + p.status }, i === 0 ? p.status : ''),
        h('td', {}, pos ? pos.currency : ''),
        h('td', { class: 'num liquidity' }, pos ? pos.liquidity : ''),
        h('td', { class: 'num cap' }, pos ? pos.net_debit_cap : ''),
        h('td', { class: 'num reserved' }, pos ? pos.reserved : ''),
        h('td', { class: 'num available' }, pos ? pos.available : ''),
        h('td', {}, pos ? h('div', {
          class: 'bar' + (used >= 0.9 ? ' full' : used >= 0.7 ? ' warn' : ''),
          title: (used * 100).toFixed(1) + '% of the cap used', 'data-used': used.toFixed(4),
        }, h('div', { style: 'width:' + (used * 100).toFixed(1) + '%' })) : ''),
        h('td', {}, i === 0 ? h('button', {
          class: 'suspend', 'data-participant': p.id,
          onclick: () => act('POST', '/v1/participants/' + encodeURIComponent(p.id) + '/' +
            (p.status === 'suspended' ? 'resume' : 'suspend'), undefined,
            p.id + (p.status === 'suspended' ? ' resumed' : ' suspended')),
        }, p.status === 'suspended' ? 'Resume' : 'Suspend') : '')));
    });
  }
  page.append(h('h2', {}, 'Positions'), h('table', { id: 'positions' },
    h('tr', {}, ['Participant', 'Name', 'Status', 'Currency'].map(t => h('th', {}, t)),
      ['Liquidity', 'Net debit cap', 'Reserved', 'Available'].map(t => h('th', { class: 'num' }, t)),
      h('th', {}, 'Cap used'), h('th', {}, '')),
    rows));
  page.append(liquidityForm(list), capForm(list));
}

function participantSelect(id, list) {
  return h('select', { id }, list.map(p => h('option', { value: p.id }, p.id)));
}

function liquidityForm(list) {
  const form = h('form', { class: 'inline', id: 'liquidity-form' },
    h('strong', {}, 'Liquidity'), participantSelect('liq-participant', list),
    h('input', { id: 'liq-currency', placeholder: 'currency', size: 4, value: 'RUB' }),
    h('input', { id: 'liq-amount', placeholder: 'amount, e.g. 1000.00', size: 14 }),
    h('select', { id: 'liq-direction' }, h('option', { value: 'deposit' }, 'deposit'),
      h('option', { value: 'withdraw' }, 'withdraw')),
    h('button', { type: 'submit', id: 'liq-submit' }, 'Submit'));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const v = id => document.getElementById(id).value.trim();
    // The client id makes the operation idempotent: a repeat of this submit is the same one.
    const clientId = 'console-' + Date.now().toString(36) + '-' +
      Math.floor(Math.random() * 1e9).toString(36);
    act('POST', '/v1/participants/' + encodeURIComponent(v('liq-participant')) + '/liquidity',
        { id: clientId, currency: v('liq-currency'), amount: v('liq-amount'),
          direction: v('liq-direction') },
        v('liq-direction') + ' of ' + v('liq-amount') + ' ' + v('liq-currency') + ' for ' +
          v('liq-participant') + ' done');
  });
  return form;
}

function capForm(list) {
  const form = h('form', { class: 'inline', id: 'cap-form' },
    h('strong', {}, 'Net debit cap'), participantSelect('cap-participant', list),
    h('input', { id: 'cap-currency', placeholder: 'currency', size: 4, value: 'RUB' }),
    h('input', { id: 'cap-amount', placeholder: 'new cap', size: 14 }),
    h('button', { type: 'submit' }, 'Set cap'));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const v = id => document.getElementById(id).value.trim();
    act('PUT', '/v1/participants/' + encodeURIComponent(v('cap-participant')) + '/net_debit_cap',
        { currency: v('cap-currency'), amount: v('cap-amount') },
        'cap of ' + v('cap-participant') + ' set to ' + v('cap-amount') + ' ' + v('cap-currency'));
  });
  return form;
}

// An action through the admin API, then the page again with what it changed.
async function act(method, path, body, done) {
  const r = await api(method, path, body);
  if (r.status >= 200 && r.status < 300) notice(done, true);
  else notice(method + ' ' + path + ': ' + errorOf(r));
  document.body.setAttribute('data-last-action', r.status);
  await show();
}

// ---- search -------------------------------------------------------------------------------

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function renderSearch(page) {
  const input = h('input', { id: 'search-query', size: 40,
                             placeholder: 'UETR, end-to-end id, RRN or STAN',
                             value: searchQuery });
  const form = h('form', { class: 'inline', id: 'search-form' },
    h('strong', {}, 'Payment or card'), input, h('button', { type: 'submit' }, 'Search'));
  const out = h('div', { id: 'search-result' });
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    searchQuery = input.value.trim();
    search(searchQuery, out);
  });
  page.append(form, out);
  if (searchQuery) search(searchQuery, out);
}
let searchQuery = '';

async function search(q, out) {
  out.replaceChildren(h('p', { class: 'muted' }, 'Searching...'));
  const parts = [];
  let uetr = UUID.test(q) ? q : null;
  if (!uetr) {
    const r = await api('GET', '/v1/payments?end_to_end_id=' + encodeURIComponent(q));
    if (r.status !== 200) return out.replaceChildren(h('p', {}, errorOf(r)));
    const found = r.json.payments;
    if (found.length === 1) uetr = found[0].uetr;
    if (found.length > 1) {
      parts.push(h('h2', {}, 'Payments with end-to-end id ' + q),
        h('table', {}, h('tr', {}, ['UETR', 'Status', 'From', 'To'].map(t => h('th', {}, t))),
          found.map(p => h('tr', {}, h('td', {}, h('a', { href: '#/search',
            onclick: () => { searchQuery = p.uetr; search(p.uetr, out); } }, p.uetr)),
            h('td', {}, p.status), h('td', {}, p.debtor_agent), h('td', {}, p.creditor_agent)))));
    }
    // A card authorization by the acquirer's RRN (field 37, 12 characters) or STAN (field 11).
    const key = /^\d{6}$/.test(q) ? 'stan' : q.length === 12 ? 'rrn' : null;
    if (key) {
      const c = await api('GET', '/v1/cards/authorizations?' + key + '=' + encodeURIComponent(q));
      if (c.status === 200 && c.json.authorizations.length) parts.push(cardsView(c.json.authorizations));
    }
  }
  if (uetr) {
    const r = await api('GET', '/v1/payments/' + encodeURIComponent(uetr));
    if (r.status === 200) parts.unshift(paymentView(r.json));
    else if (r.status !== 404) parts.push(h('p', {}, errorOf(r)));
  }
  if (!parts.length) {
    parts.push(h('p', { id: 'search-none' }, 'No payment or card authorization matches ' + q));
  }
  out.replaceChildren(...parts);
}

// Card authorizations: the acquirer's trace, parties, amounts, outcome and holds; the hub
// never shows card numbers.
function cardsView(list) {
  const money = m => m ? m.amount + ' ' + m.currency : '';
  return h('div', { id: 'card-results', 'data-count': list.length },
    h('h2', {}, 'Card authorizations'),
    h('table', {},
      h('tr', {}, ['RRN', 'STAN', 'MTI', 'Acquirer', 'Issuer', 'Amount', 'Billing', 'Status',
                   'Code', 'Approval', 'At', 'Holds'].map(t => h('th', {}, t))),
      list.map(a => h('tr', { 'data-rrn': a.rrn, 'data-stan': a.stan },
        h('td', {}, a.rrn), h('td', {}, a.stan), h('td', {}, a.mti), h('td', {}, a.acquirer),
        h('td', {}, a.issuer), h('td', { class: 'num' }, money(a.amount)),
        h('td', { class: 'num' }, money(a.billing)),
        h('td', {}, a.status + (a.stand_in ? ' (stand-in)' : '')), h('td', {}, a.response_code),
        h('td', {}, a.approval_code), h('td', {}, a.at),
        h('td', {}, a.transfers.map(t => t.kind + ' ' + t.transfer.amount + ' ' +
                                         (t.transfer.state || 'posted')).join('; '))))));
}

function paymentView(hist) {
  const p = hist.payment;
  const money = m => m ? m.amount + ' ' + m.currency : '';
  return h('div', { id: 'payment', 'data-uetr': p.uetr, 'data-status': p.status },
    h('h2', {}, 'Payment ' + p.uetr),
    h('table', {}, [
      ['Status', p.status + (p.reason ? ' (' + p.reason + ')' : '')],
      ['End-to-end id', p.end_to_end_id], ['From', p.debtor_agent], ['To', p.creditor_agent],
      ['Sent', money(p.send)], ['Received', money(p.receive)], ['Rate', p.rate || ''],
      ['Accepted', p.accepted_at || ''], ['Settled', p.settled_at || ''],
    ].map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: 'field-' + k.toLowerCase().replace(/\W+/g, '-') }, v)))),
    h('h2', {}, 'Messages and events'),
    h('table', { id: 'payment-events' },
      h('tr', {}, ['Event', 'Message id', 'At'].map(t => h('th', {}, t))),
      p.events.map(e => h('tr', {}, h('td', {}, e.type), h('td', {}, e.message_id || ''),
                          h('td', {}, e.at)))),
    h('h2', {}, 'Ledger transfers'),
    h('table', { id: 'payment-transfers' },
      h('tr', {}, ['Kind', 'Debit', 'Credit', 'Amount (minor)', 'State', 'Id'].map(t => h('th', {}, t))),
      hist.transfers.map(t => h('tr', {},
        h('td', {}, t.kind),
        h('td', {}, t.debit.participant + ' ' + t.debit.currency),
        h('td', {}, t.credit.participant + ' ' + t.credit.currency),
        h('td', { class: 'num' }, t.transfer.amount),
        h('td', {}, t.transfer.state || 'posted'),
        h('td', { class: 'muted' }, t.transfer.id)))));
}

// ---- settlement windows -------------------------------------------------------------------

let openWindow = null;

async function renderWindows(page) {
  const r = await api('GET', '/v1/settlement/windows');
  if (r.status !== 200) {
    return page.append(h('p', { id: 'windows-unavailable' },
      'Settlement windows are not available: ' + errorOf(r)));
  }
  const windows = r.json.windows || [];
  page.append(h('h2', {}, 'Windows'),
    h('form', { class: 'inline' }, h('button', { type: 'button', id: 'close-window',
      onclick: () => act('POST', '/v1/settlement/windows/close', {}, 'the open window is closed') },
      'Close the open window')),
    h('table', { id: 'windows' },
      h('tr', {}, ['Id', 'State', 'Opened', 'Closed', 'Entries', 'Net debit total', 'Reports'].map(t => h('th', {}, t))),
      windows.map(w => h('tr', { 'data-window': w.id, 'data-state': w.state },
        h('td', {}, h('a', { href: '#/windows', onclick: () => { openWindow = w.id; show(); } }, w.id)),
        h('td', {}, w.state), h('td', {}, w.opened_at || ''), h('td', {}, w.closed_at || ''),
        h('td', { class: 'num' }, w.entries),
        h('td', {}, Object.entries(w.net_debit_total || {}).map(([c, v]) => v + ' ' + c).join(', ')),
        h('td', { class: 'reports' }, w.state === 'open' ? '' : [
          reportLink(w.id, 'agent', {}, 'agents CSV'), ' ',
          reportLink(w.id, 'reconciliation', {}, 'reconciliation'), ' ',
          h('a', { href: '#/windows', class: 'all-reports',
                   onclick: () => { openWindow = w.id; show(); } }, 'all reports')])))));
  if (openWindow !== null) await renderWindow(page, openWindow);
}

async function renderWindow(page, id) {
  const r = await api('GET', '/v1/settlement/windows/' + id);
  if (r.status !== 200) return page.append(h('p', {}, 'Window ' + id + ': ' + errorOf(r)));
  const w = r.json;
  const ref = h('input', { id: 'settle-reference', placeholder: 'reference', size: 20 });
  const settle = status => act('POST', '/v1/settlement/windows/' + id + '/settle',
    { all: status, reference: ref.value.trim() || ('console-' + id) }, 'window ' + id + ': ' + status);
  page.append(h('h2', {}, 'Window ' + id + ' (' + w.state + ')'),
    h('form', { class: 'inline' }, ref,
      h('button', { type: 'button', id: 'settle-all', onclick: () => settle('settled') }, 'Settle all'),
      h('button', { type: 'button', onclick: () => settle('failed') }, 'Mark all failed')),
    h('table', { id: 'window-entries' },
      h('tr', {}, ['Participant', 'Currency', 'Net', 'Postings', 'State', 'Reference'].map(t => h('th', {}, t))),
      (w.entries || []).map(e => h('tr', { 'data-participant': e.participant },
        h('td', {}, e.participant), h('td', {}, e.currency), h('td', { class: 'num' }, e.net),
        h('td', { class: 'num' }, e.postings), h('td', {}, e.state), h('td', {}, e.reference || '')))),
    h('h2', {}, 'Obligations'),
    h('table', { id: 'window-obligations' },
      h('tr', {}, ['Currency', 'Agent', 'Pays in', 'Pays out'].map(t => h('th', {}, t))),
      (w.obligations || []).map(o => h('tr', {}, h('td', {}, o.currency), h('td', {}, o.agent),
        h('td', { class: 'num' }, o.pays_in), h('td', { class: 'num' }, o.pays_out)))));
  if (w.state !== 'open') page.append(reportsView(w));
}

// ---- report downloads ---------------------------------------------------------------------

// GET /v1/settlement/windows/{id}/reports/{format}[?participant=..][&currency=..]: the
// reports `corridor report` makes, of a closed window (docs/REPORTS.md).
function reportPath(id, format, params) {
  const q = Object.entries(params || {}).filter(([, v]) => v)
    .map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');
  return '/v1/settlement/windows/' + encodeURIComponent(id) + '/reports/' + format + (q ? '?' + q : '');
}

// Fetches a report with the admin token, which a plain link could not carry:
// {status, blob, filename, type}.
async function fetchReport(path) {
  const headers = {};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  const res = await fetch(path, { headers, credentials: 'omit', cache: 'no-store' });
  const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
  return { status: res.status, blob: await res.blob(), filename: m ? m[1] : 'report',
           type: res.headers.get('Content-Type') || '' };
}

// Saves a report as a file: fetched, then handed to the browser through an object URL.
async function downloadReport(path) {
  const r = await fetchReport(path);
  if (r.status !== 200) {
    let why = 'HTTP ' + r.status;
    try { why = JSON.parse(await r.blob.text()).error || why; } catch (e) { /* not JSON */ }
    notice('GET ' + path + ': ' + why);
    return r;
  }
  const url = URL.createObjectURL(r.blob);
  const a = h('a', { href: url, download: r.filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  notice('Downloaded ' + r.filename + ' (' + r.blob.size + ' bytes).', true);
  document.body.setAttribute('data-last-download', r.filename);
  return r;
}

// A download link: its href is the report (for copying); a click fetches it with the token.
function reportLink(id, format, params, label) {
  const path = reportPath(id, format, params);
  return h('a', { href: path, class: 'report', 'data-window': id, 'data-format': format,
                  'data-participant': (params || {}).participant,
                  'data-currency': (params || {}).currency,
                  onclick: ev => { ev.preventDefault(); downloadReport(path); } }, label);
}

// Whether an entry moved card money (so that its participant has a clearing file).
function hasCardFlows(e) {
  return ['card', 'reversal', 'interchange'].some(f =>
    num((e.sent || {})[f]) !== 0 || num((e.received || {})[f]) !== 0);
}

// Every report of a closed window, from its entries: each position's statement (camt.053 and
// CSV), each participant's fee file and, when it moved card money, its clearing file; the
// agents' CSV per currency and for all; the reconciliation.
function reportsView(w) {
  const entries = w.entries || [];
  const currencies = [...new Set(entries.map(e => e.currency))].sort();
  const cards = new Set(entries.filter(hasCardFlows).map(e => e.participant));
  const seen = new Set();
  const rows = entries.map(e => {
    const first = !seen.has(e.participant);
    seen.add(e.participant);
    const p = { participant: e.participant, currency: e.currency };
    return h('tr', { 'data-participant': e.participant, 'data-currency': e.currency },
      h('td', {}, first ? e.participant : ''), h('td', {}, e.currency),
      h('td', {}, reportLink(w.id, 'xml', p, 'camt.053 XML'), ' ', reportLink(w.id, 'csv', p, 'CSV')),
      h('td', {}, first ? reportLink(w.id, 'fees', { participant: e.participant }, 'fees') : ''),
      h('td', {}, first && cards.has(e.participant) ?
        reportLink(w.id, 'clearing', { participant: e.participant }, 'clearing') : ''));
  });
  return h('div', { id: 'window-reports', 'data-window': w.id },
    h('h2', {}, 'Reports of window ' + w.id),
    h('p', {},
      h('strong', {}, 'Settlement agents: '),
      currencies.flatMap(c => [reportLink(w.id, 'agent', { currency: c }, c + ' CSV'), ' ']),
      reportLink(w.id, 'agent', {}, 'all currencies CSV'), ' \u00b7 ',
      reportLink(w.id, 'reconciliation', {}, 'reconciliation')),
    h('table', { id: 'report-links' },
      h('tr', {}, ['Participant', 'Currency', 'Statement', 'Fee file', 'Card clearing'].map(t => h('th', {}, t))),
      rows));
}

// ---- queues -------------------------------------------------------------------------------

function renderQueues(page) {
  page.append(h('h2', {}, 'Queues (from /metrics, every 2 s)'), h('div', { id: 'queues' }));
  drawQueues();
}

function drawQueues() {
  const box = document.getElementById('queues');
  if (!box) return;
  const byParticipant = {};
  const add = (name, field) => {
    for (const s of pick(latest, name)) {
      const p = s.labels.participant;
      byParticipant[p] = byParticipant[p] || { outbox: 0, saf: 0 };
      byParticipant[p][field] = s.value;
    }
  };
  add('corridor_outbox_backlog_messages', 'outbox');
  add('corridor_store_and_forward_messages', 'saf');
  const ids = Object.keys(byParticipant).sort();
  const max = Math.max(1, ...ids.map(p => Math.max(byParticipant[p].outbox, byParticipant[p].saf)));
  const bar = v => h('div', { class: 'bar' }, h('div', { style: 'width:' + (100 * v / max).toFixed(1) + '%' }));
  box.replaceChildren(
    h('p', {}, 'Outbox messages: ' + sum(latest, 'corridor_outbox_messages') +
      '; payments waiting for their payee\'s bank: ' + sum(latest, 'corridor_payments_in_flight')),
    h('table', { id: 'queue-table', 'data-rows': ids.length },
      h('tr', {}, h('th', {}, 'Participant'), h('th', { class: 'num' }, 'Outbox backlog'), h('th', {}, ''),
        h('th', { class: 'num' }, 'Store-and-forward'), h('th', {}, '')),
      ids.map(p => h('tr', { 'data-participant': p },
        h('td', {}, p), h('td', { class: 'num outbox' }, byParticipant[p].outbox), h('td', {}, bar(byParticipant[p].outbox)),
        h('td', { class: 'num saf' }, byParticipant[p].saf), h('td', {}, bar(byParticipant[p].saf))))));
}

// ---- routing ------------------------------------------------------------------------------

const PAGES = { overview: renderOverview, participants: renderParticipants, search: renderSearch,
                windows: renderWindows, queues: renderQueues };
let current = null;

async function show() {
  const name = (location.hash.replace(/^#\/?/, '').split('/')[0]) || 'overview';
  current = PAGES[name] ? name : 'overview';
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.page === current);
  }
  const page = h('div', { 'data-page': current });
  try {
    await PAGES[current](page);
  } catch (e) {
    page.append(h('p', {}, 'Error: ' + e.message));
  }
  document.getElementById('page').replaceChildren(page);
  if (current === 'overview') drawOverview();
  document.body.setAttribute('data-ready', current);
}

function start() {
  const input = document.getElementById('token');
  input.value = token();
  document.getElementById('token-form').addEventListener('submit', ev => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    notice('Token kept for this tab.', true);
    show();
  });
  window.addEventListener('hashchange', () => { notice(''); show(); });
  show();
  sample();
  setInterval(sample, POLL_MS);
}

start();
