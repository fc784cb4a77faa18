/**
 * The day report page (`/report?date=YYYY-MM-DD`, docs/day-report.md): plain HTML and vanilla
 * JavaScript like the advisor page (same token in sessionStorage), reading the report from
 * `/api/v1/reports/day/{date}`. Charts are SVG drawn in the page from the report's figures; every
 * mark carries its figure in a data attribute (the browser test compares them with the database).
 * Values from the API go in with textContent, never as HTML. Figures stay decimal strings; only a
 * bar's length is computed as a number.
 */
import { PAGE_CSP } from '../api/page';

export const REPORT_CSP = PAGE_CSP;

export const REPORT_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zoe · day report</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #f4f6f9; }
  body { margin: 0; }
  header { background: #1f3b5c; color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; flex: 1; }
  main { padding: 16px 24px; max-width: 1200px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; margin: 0 0 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 16px; margin: 4px 0 10px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e3e7ee; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .muted { color: #637085; }
  .legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
  .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
  #signin { display: none; }
  .error { color: #b3261e; }
  a { color: #1f5fa8; }
</style>
</head>
<body>
<header><h1>Day report <span id="date"></span></h1><span id="who"></span></header>
<main>
  <section id="signin">
    <h2>Sign in</h2>
    <p>Paste an API token (ops: every account; advisor: your accounts).</p>
    <input id="token" size="60" autocomplete="off"> <button id="signin-button">Show the report</button>
    <p id="signin-error" class="error"></p>
  </section>
  <div id="report" hidden>
    <section><h2>Summary</h2><p id="summary"></p>
      <p>Export: <a id="export-json">JSON</a> · CSV: <span id="export-csv"></span></p></section>
    <section><h2>Accounts per stage over the day</h2><div id="chart-timeline"></div><div id="timeline-legend" class="legend"></div></section>
    <section><h2>Drift before and after (largest sleeve, percentage points)</h2><div id="chart-drift"></div></section>
    <section><h2>Filled notional by symbol and side</h2><div id="chart-notional"></div></section>
    <section><h2>Exceptions</h2><table id="exceptions"></table></section>
    <section><h2>Blocks</h2><table id="blocks"></table></section>
    <section><h2>Orders and allocations</h2><table id="orders"></table></section>
    <section><h2>Drift by sleeve</h2><table id="drift"></table></section>
  </div>
  <p id="error" class="error"></p>
</main>
<script src="/report.js"></script>
</body>
</html>
`;

export const REPORT_JS = `'use strict';
(function () {
  var KEY = 'zoe.apiToken';
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = { Scanned: '#9aa5b8', ReconBreak: '#d9822b', NoTrade: '#c9d1de', AwaitingDecision: '#e6b422',
    Approved: '#6aa84f', Rejected: '#a64d79', Expired: '#8e7cc3', Trading: '#3d85c6', Booked: '#1f5fa8',
    NotTraded: '#cc4125', Confirmed: '#38761d', ConfirmBreak: '#990000' };
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var date = params.get('date') || new Date().toISOString().slice(0, 10);
  var token = sessionStorage.getItem(KEY) || '';

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else if (k === 'className') e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); });
    return e;
  }
  function num(s) { return s === null || s === undefined || s === '' ? 0 : Number(s); }
  function et(iso) { return new Date(iso).toLocaleTimeString('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: '2-digit' }); }

  function table(id, head, rows, numeric) {
    var t = $(id); t.textContent = '';
    t.appendChild(el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]));
    var body = el('tbody');
    rows.forEach(function (r) {
      body.appendChild(el('tr', {}, r.map(function (v, i) {
        return el('td', { text: v === null || v === undefined ? '–' : String(v), className: numeric.indexOf(i) >= 0 ? 'n' : '' });
      })));
    });
    if (rows.length === 0) body.appendChild(el('tr', {}, [el('td', { text: 'none', className: 'muted', colspan: String(head.length) })]));
    t.appendChild(body);
  }

  function timeline(r) {
    var box = $('chart-timeline'); box.textContent = '';
    var pts = r.timeline, W = 1100, H = 220, pad = 30;
    var s = svg('svg', { width: W, height: H + 40, id: 'timeline-svg', role: 'img', 'aria-label': 'accounts per stage over the day' });
    var stages = Object.keys(COLORS);
    var bw = pts.length ? (W - pad) / pts.length : 0;
    pts.forEach(function (p, i) {
      var total = 0; stages.forEach(function (st) { total += p.counts[st] || 0; });
      var y = H;
      stages.forEach(function (st) {
        var n = p.counts[st] || 0; if (!n) return;
        var h = r.accounts ? (H - 10) * n / r.accounts : 0;
        y -= h;
        s.appendChild(svg('rect', { x: pad + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: h, fill: COLORS[st],
          'class': 'stage-bar', 'data-at': p.at, 'data-stage': st, 'data-count': String(n) }));
      });
      if (i % 4 === 0 || i === pts.length - 1) s.appendChild(svg('text', { x: pad + i * bw, y: H + 14, 'font-size': 10, text: et(p.at) }));
    });
    s.appendChild(svg('text', { x: 0, y: 12, 'font-size': 10, text: String(r.accounts) }));
    box.appendChild(s);
    var legend = $('timeline-legend'); legend.textContent = '';
    stages.forEach(function (st) { legend.appendChild(el('span', {}, [el('i', { style: 'background:' + COLORS[st] }), document.createTextNode(st)])); });
  }

  function drift(r) {
    var box = $('chart-drift'); box.textContent = '';
    var rows = r.drift, W = 1100, rowH = 16;
    if (rows.length === 0) { box.appendChild(el('p', { className: 'muted', text: 'No account traded.' })); return; }
    var max = 0.5; rows.forEach(function (a) { max = Math.max(max, num(a.maxBeforePp), num(a.maxAfterPp)); });
    if (rows.length > 40) return driftHistogram(box, rows, max);
    var s = svg('svg', { width: W, height: rows.length * (2 * rowH + 6) + 20, id: 'drift-svg' });
    var x0 = 120, scale = (W - x0 - 80) / max;
    rows.forEach(function (a, i) {
      var y = 10 + i * (2 * rowH + 6);
      s.appendChild(svg('text', { x: 0, y: y + rowH, 'font-size': 12, text: a.accountId }));
      [['before', a.maxBeforePp, '#cc4125'], ['after', a.maxAfterPp, '#38761d']].forEach(function (b, k) {
        var w = Math.max(1, num(b[1]) * scale);
        s.appendChild(svg('rect', { x: x0, y: y + k * rowH, width: w, height: rowH - 3, fill: b[2], 'class': 'drift-bar',
          'data-account': a.accountId, 'data-when': b[0], 'data-pp': b[1] }));
        s.appendChild(svg('text', { x: x0 + w + 4, y: y + k * rowH + rowH - 5, 'font-size': 11, text: b[0] + ' ' + num(b[1]).toFixed(2) + ' pp' }));
      });
    });
    box.appendChild(s);
  }

  function driftHistogram(box, rows, max) {
    var bins = 10, width = max / bins, W = 1100, H = 200;
    var counts = { before: [], after: [] };
    for (var i = 0; i < bins; i++) { counts.before.push(0); counts.after.push(0); }
    rows.forEach(function (a) {
      counts.before[Math.min(bins - 1, Math.floor(num(a.maxBeforePp) / width))]++;
      counts.after[Math.min(bins - 1, Math.floor(num(a.maxAfterPp) / width))]++;
    });
    var top = 1; for (var j = 0; j < bins; j++) top = Math.max(top, counts.before[j], counts.after[j]);
    var s = svg('svg', { width: W, height: H + 30, id: 'drift-svg' }), bw = (W - 40) / bins;
    ['before', 'after'].forEach(function (when, k) {
      counts[when].forEach(function (n, b) {
        var h = (H - 10) * n / top;
        s.appendChild(svg('rect', { x: 30 + b * bw + k * bw / 2, y: H - h, width: bw / 2 - 2, height: h, fill: k ? '#38761d' : '#cc4125',
          'class': 'drift-bin', 'data-when': when, 'data-from-pp': (b * width).toFixed(2), 'data-count': String(n) }));
      });
    });
    box.appendChild(s);
  }

  function notional(r) {
    var box = $('chart-notional'); box.textContent = '';
    var bars = r.notional, W = 1100, rowH = 20;
    if (bars.length === 0) { box.appendChild(el('p', { className: 'muted', text: 'Nothing was filled.' })); return; }
    var max = 1; bars.forEach(function (b) { max = Math.max(max, num(b.notional)); });
    var s = svg('svg', { width: W, height: bars.length * rowH + 10, id: 'notional-svg' }), x0 = 110, scale = (W - x0 - 140) / max;
    bars.forEach(function (b, i) {
      var y = 4 + i * rowH, w = Math.max(1, num(b.notional) * scale);
      s.appendChild(svg('text', { x: 0, y: y + 14, 'font-size': 12, text: b.side + ' ' + b.symbol }));
      s.appendChild(svg('rect', { x: x0, y: y, width: w, height: rowH - 4, fill: b.side === 'BUY' ? '#3d85c6' : '#d9822b',
        'class': 'notional-bar', 'data-symbol': b.symbol, 'data-side': b.side, 'data-notional': b.notional }));
      s.appendChild(svg('text', { x: x0 + w + 4, y: y + 14, 'font-size': 11, text: '$' + b.notional }));
    });
    box.appendChild(s);
  }

  function show(r) {
    $('report').hidden = false; $('signin').style.display = 'none';
    $('who').textContent = r.scope === 'advisor' ? 'advisor ' + r.advisorId + ' (your accounts)' : 'all accounts';
    $('summary').textContent = r.accounts + ' account(s); ' + r.stages.map(function (s) { return s.stage + ' ' + s.accounts; }).join(', ') +
      '; ' + r.orders.length + ' order(s), ' + r.exceptions.length + ' exception(s).';
    var base = '/api/v1/reports/day/' + r.tradeDate + '/export';
    $('export-json').href = '#'; $('export-json').onclick = function (e) { e.preventDefault(); download(base + '?format=json', 'json'); };
    var csv = $('export-csv'); csv.textContent = '';
    ['orders', 'blocks', 'exceptions', 'drift', 'stages', 'notional'].forEach(function (sec) {
      var a = el('a', { href: '#', text: sec, 'data-section': sec }); a.onclick = function (e) { e.preventDefault(); download(base + '?format=csv&section=' + sec, 'csv'); };
      csv.appendChild(a); csv.appendChild(document.createTextNode(' '));
    });
    timeline(r); drift(r); notional(r);
    table('exceptions', ['Kind', 'Account', 'What', 'Why'], r.exceptions.map(function (e) { return [e.kind, e.accountId, e.subject, e.reason]; }), []);
    table('blocks', ['Block', 'Side', 'Symbol', 'Requested', 'Filled', 'Avg. price', 'Residual', 'Status', 'Accounts', 'Attempts'],
      r.blocks.map(function (b) { return [b.blockId, b.side, b.symbol, b.requestedQty, b.filledQty, b.avgPrice, b.residualQty, b.status, b.accounts, b.attempts.length]; }), [3, 4, 5, 6, 8, 9]);
    table('orders', ['Account', 'Order', 'Side', 'Symbol', 'Qty', 'Filled', 'Avg. price', 'Residual', 'Notional', 'Status', 'Reason', 'Block', 'Allocated'],
      r.orders.map(function (o) { return [o.accountId, o.clientOrderId, o.side, o.symbol, o.qty, o.filledQty, o.avgPrice, o.residualQty, o.notional, o.status, o.reason, o.blockId, o.allocatedQty]; }), [4, 5, 6, 7, 8, 12]);
    var dr = []; r.drift.forEach(function (a) { a.sleeves.forEach(function (s) { dr.push([a.accountId, s.sleeve, s.targetPct, s.beforePp, s.afterPp]); }); });
    table('drift', ['Account', 'Sleeve', 'Target %', 'Before (pp)', 'After (pp)'], dr, [2, 3, 4]);
  }

  function download(path, ext) {
    fetch(path, { headers: { authorization: 'Bearer ' + token } }).then(function (res) { return res.blob(); }).then(function (b) {
      var a = el('a', { href: URL.createObjectURL(b), download: 'day-report-' + date + '.' + ext }); a.click();
    });
  }

  function load() {
    $('date').textContent = date;
    fetch('/api/v1/reports/day/' + encodeURIComponent(date), { headers: { authorization: 'Bearer ' + token, accept: 'application/json' } })
      .then(function (res) { return res.json().then(function (d) { if (!res.ok) { var e = new Error(d && d.detail || res.statusText); e.status = res.status; throw e; } return d; }); })
      .then(show)
      .catch(function (e) {
        if (e.status === 401) { sessionStorage.removeItem(KEY); token = ''; $('signin').style.display = 'block'; $('signin-error').textContent = token ? '' : 'The token was not accepted.'; return; }
        $('error').textContent = e.message;
      });
  }

  $('signin-button').onclick = function () { token = $('token').value.trim(); sessionStorage.setItem(KEY, token); $('signin-error').textContent = ''; load(); };
  if (token) load(); else $('signin').style.display = 'block';
})();
`;
