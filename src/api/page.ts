/**
 * The advisor page: plain HTML and a little vanilla JavaScript, no build step. The advisor
 * pastes an API token (kept in sessionStorage, sent as a bearer token), sees the pending
 * proposals of their accounts (legs, reasons, tax estimate, deadline) and approves or rejects
 * them (a rejection asks for a reason). Every value from the API is put in the page with
 * textContent, never as HTML.
 */

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zoe · proposals awaiting your approval</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #f4f6f9; }
  body { margin: 0; }
  header { background: #1f3b5c; color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; flex: 1; }
  main { max-width: 980px; margin: 24px auto; padding: 0 16px; }
  .panel { background: #fff; border: 1px solid #d9dee6; border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
  label { font-weight: 600; display: block; margin-bottom: 6px; }
  input[type=password], textarea { width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #b9c2cf; border-radius: 6px; font: inherit; }
  button { font: inherit; padding: 7px 14px; border-radius: 6px; border: 1px solid #1f3b5c; background: #fff; color: #1f3b5c; cursor: pointer; }
  button.primary { background: #1f3b5c; color: #fff; }
  button.approve { background: #1b7f4b; border-color: #1b7f4b; color: #fff; }
  button.reject { border-color: #b3261e; color: #b3261e; }
  button:disabled { opacity: .5; cursor: default; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 10px; }
  .muted { color: #5b6678; font-size: 14px; }
  .error { color: #b3261e; }
  .notice { color: #1b7f4b; }
  .proposal h2 { font-size: 17px; margin: 0 0 4px; }
  .proposal.linked { border: 2px solid #1f5fa8; }
  .deadline { font-weight: 600; }
  table { border-collapse: collapse; width: 100%; margin: 10px 0; font-size: 14px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e6e9ef; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .side-BUY { color: #1b7f4b; font-weight: 600; }
  .side-SELL { color: #b3261e; font-weight: 600; }
  ul.reasons { margin: 6px 0; padding-left: 20px; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header>
  <h1>Zoe · proposals awaiting your approval</h1>
  <span id="who" class="who"></span>
  <button id="signout" type="button" hidden>Sign out</button>
</header>
<main>
  <section id="signin" class="panel">
    <form id="signin-form">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" placeholder="zoe_…" required>
      <div class="row">
        <button id="signin-button" class="primary" type="submit">Sign in</button>
        <span class="muted">Ask ops for a token (<code>npm run cli -- advisor token create</code>). It stays in this tab only.</span>
      </div>
      <p id="signin-error" class="error" role="alert"></p>
    </form>
  </section>
  <section id="work" hidden>
    <div class="row" style="margin-bottom: 12px">
      <button id="refresh" type="button">Refresh</button>
      <span id="summary" class="muted"></span>
    </div>
    <p id="notice" class="notice" role="status"></p>
    <p id="error" class="error" role="alert"></p>
    <div id="proposals"></div>
  </section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

export const PAGE_JS = `'use strict';
(function () {
  var KEY = 'zoe.apiToken';
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem(KEY) || '';

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function api(method, path, body) {
    var init = { method: method, headers: { authorization: 'Bearer ' + token, accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var msg = data && data.detail ? data.detail : res.status + ' ' + res.statusText;
          var err = new Error(msg);
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  function etTime(iso) {
    return new Date(iso).toLocaleString('en-US', {
      timeZone: 'America/New_York', weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit'
    }) + ' ET';
  }

  function until(iso) {
    var ms = Date.parse(iso) - Date.now();
    if (ms <= 0) return 'passed';
    var m = Math.floor(ms / 60000);
    return m >= 60 ? 'in ' + Math.floor(m / 60) + ' h ' + (m % 60) + ' min' : 'in ' + m + ' min';
  }

  function money(s) {
    var n = Number(s);
    return isFinite(n) ? n.toLocaleString('en-US', { style: 'currency', currency: 'USD' }) : s;
  }

  function setMessage(id, text) { $(id).textContent = text || ''; }

  function showSignedOut(message) {
    token = '';
    sessionStorage.removeItem(KEY);
    $('signin').hidden = false;
    $('work').hidden = true;
    $('signout').hidden = true;
    $('who').textContent = '';
    $('proposals').textContent = '';
    setMessage('signin-error', message);
  }

  function handleError(e) {
    if (e.status === 401) return showSignedOut('Your token was not accepted: ' + e.message);
    setMessage('error', e.message);
  }

  function reasonsList(reasons) {
    return el('ul', { className: 'reasons' }, reasons.map(function (r) {
      return el('li', { text: r.code && r.message.indexOf(r.code) !== 0 ? r.code + ': ' + r.message : r.message });
    }));
  }

  function renderProposal(p) {
    var card = el('article', { className: 'panel proposal', 'data-proposal-id': p.id });
    card.appendChild(el('h2', { text: p.accountId + ' · ' + p.accountName }));
    card.appendChild(el('div', { className: 'muted', text: 'Proposal ' + p.id + ' (version ' + p.version + ') · ' +
      p.taxStatus + ' · trade date ' + p.tradeDate }));
    var deadline = el('div', {}, [
      el('span', { text: 'Decide by ' }),
      el('span', { className: 'deadline', text: etTime(p.deadline) }),
      el('span', { className: 'muted', text: ' (' + until(p.deadline) + ')' })
    ]);
    card.appendChild(deadline);
    card.appendChild(reasonsList(p.reasons));
    var rows = p.legs.map(function (l) {
      return el('tr', {}, [
        el('td', { className: 'num', text: String(l.legNo) }),
        el('td', { className: 'side-' + l.side, text: l.side }),
        el('td', { text: l.symbol }),
        el('td', { className: 'num', text: l.qty }),
        el('td', { className: 'num', text: money(l.estPrice) }),
        el('td', { className: 'num', text: money(l.estNotional) }),
        el('td', { text: l.reasons.map(function (r) { return r.message; }).join('; ') })
      ]);
    });
    card.appendChild(el('table', {}, [
      el('thead', {}, [el('tr', {}, ['#', 'Side', 'Symbol', 'Quantity', 'Est. price', 'Est. amount', 'Why'].map(function (h, i) {
        return el('th', { className: i === 0 || (i >= 3 && i <= 5) ? 'num' : '', text: h });
      }))]),
      el('tbody', {}, rows)
    ]));
    var totals = 'Sells ' + money(p.sellNotional) + ' · buys ' + money(p.buyNotional);
    if (p.taxEstimate) {
      totals += ' · realised gains: short-term ' + money(p.taxEstimate.realizedShortTerm) +
        ', long-term ' + money(p.taxEstimate.realizedLongTerm);
      if (p.taxEstimate.estimatedTax !== null) totals += ' · estimated tax ' + money(p.taxEstimate.estimatedTax);
    }
    card.appendChild(el('div', { className: 'muted', text: totals }));

    var approve = el('button', { type: 'button', className: 'approve', text: 'Approve all' });
    var reject = el('button', { type: 'button', className: 'reject', text: 'Reject…' });
    var actions = el('div', { className: 'row' }, [approve, reject]);
    var reasonBox = el('textarea', { rows: '2', placeholder: 'Why are you rejecting this proposal?', 'aria-label': 'Reason for rejecting' });
    var confirmReject = el('button', { type: 'button', className: 'reject', text: 'Confirm rejection' });
    var cancelReject = el('button', { type: 'button', text: 'Cancel' });
    var rejectForm = el('div', { className: 'reject-form' }, [
      el('label', { text: 'Reason (required)' }), reasonBox, el('div', { className: 'row' }, [confirmReject, cancelReject])
    ]);
    rejectForm.hidden = true;
    var cardError = el('p', { className: 'error', role: 'alert' });
    card.appendChild(actions);
    card.appendChild(rejectForm);
    card.appendChild(cardError);

    function busy(b) { [approve, reject, confirmReject, cancelReject].forEach(function (x) { x.disabled = b; }); }
    function decided(result, verb) {
      card.remove();
      setMessage('notice', p.accountId + ': proposal ' + result.proposalId + ' ' + verb +
        (result.duplicate ? ' (it already was)' : '') + '.');
      updateSummary();
    }
    approve.addEventListener('click', function () {
      busy(true);
      cardError.textContent = '';
      api('POST', '/api/v1/proposals/' + encodeURIComponent(p.id) + '/approve', { version: p.version })
        .then(function (r) { decided(r, 'approved'); })
        .catch(function (e) { busy(false); if (e.status === 401) handleError(e); else cardError.textContent = e.message; });
    });
    reject.addEventListener('click', function () { rejectForm.hidden = false; reasonBox.focus(); });
    cancelReject.addEventListener('click', function () { rejectForm.hidden = true; });
    confirmReject.addEventListener('click', function () {
      var reason = reasonBox.value.trim();
      if (!reason) { cardError.textContent = 'A rejection needs a reason.'; reasonBox.focus(); return; }
      busy(true);
      cardError.textContent = '';
      api('POST', '/api/v1/proposals/' + encodeURIComponent(p.id) + '/reject', { version: p.version, reason: reason })
        .then(function (r) { decided(r, 'rejected'); })
        .catch(function (e) { busy(false); if (e.status === 401) handleError(e); else cardError.textContent = e.message; });
    });
    return card;
  }

  function updateSummary() {
    var n = $('proposals').querySelectorAll('.proposal').length;
    $('summary').textContent = n === 0 ? 'Nothing is waiting for you.' :
      n + (n === 1 ? ' proposal is' : ' proposals are') + ' waiting for you.';
  }

  // A mail's link (#proposal={id}): the page scrolls to that proposal and marks it.
  function showLinked() {
    var m = /^#proposal=(.+)$/.exec(location.hash);
    if (!m) return;
    var id = decodeURIComponent(m[1]);
    var cards = document.querySelectorAll('article.proposal');
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].getAttribute('data-proposal-id') !== id) continue;
      cards[i].classList.add('linked');
      cards[i].scrollIntoView({ block: 'start' });
    }
  }

  function load() {
    setMessage('error', '');
    return api('GET', '/api/v1/proposals').then(function (data) {
      var list = $('proposals');
      list.textContent = '';
      data.proposals.forEach(function (p) { list.appendChild(renderProposal(p)); });
      updateSummary();
      showLinked();
    }).catch(handleError);
  }

  function signIn(t) {
    token = t;
    return api('GET', '/api/v1/me').then(function (me) {
      sessionStorage.setItem(KEY, token);
      $('signin').hidden = true;
      $('work').hidden = false;
      $('signout').hidden = false;
      setMessage('signin-error', '');
      $('who').textContent = me.role === 'advisor' ? 'Signed in as ' + me.advisorId : 'Signed in as ' + me.role + ' (' + me.label + ')';
      return load();
    }).catch(function (e) {
      showSignedOut(e.status === 401 ? 'That token was not accepted.' : e.message);
    });
  }

  $('signin-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = $('token').value.trim();
    $('token').value = '';
    if (t) signIn(t);
  });
  $('signout').addEventListener('click', function () { showSignedOut(''); setMessage('notice', ''); });
  $('refresh').addEventListener('click', function () { setMessage('notice', ''); load(); });
  setInterval(function () { if (token && !document.hidden) load(); }, 60000);
  if (token) signIn(token);
})();
`;
