/* Perfwatch dashboard: the Issues page (the analysis loop's findings).
 *   #/issues[?status=open|acknowledged|resolved|ignored|all][&type=n_plus_one|slow_query|regression|...]
 *                  the issues, biggest impact (ms saved) first, as the server sorts them
 *   #/issues/ID    one issue: description, recommendation, evidence, links, status buttons and
 *                  "Applied a fix" (apply-fix.js)
 * API: GET /api/v1/issues[?type=], GET|PATCH /api/v1/issues/{id}, POST /api/v1/analysis/run. */
import { api, errorText, send } from './api.js';
import { applyFixHtml, recordFix } from './apply-fix.js';
import { $, bindRowLinks, failRow, setHtml, showEmpty } from './dom.js';
import { agoHtml, esc, fmtInt, fmtMs, fmtPValue, isNum } from './format.js';
import { TYPES, impactText, issueLink, sevBadge, statusBadge } from './issue-format.js';
import { current, deferError, pageLink, refresh, reportError, setParam, state, writeHash } from './router.js';

var STATUSES = ['open', 'acknowledged', 'resolved', 'ignored'];
// Buttons of the detail view: [label, status it sets].
var ACTIONS = [['Acknowledge', 'acknowledged'], ['Resolve', 'resolved'], ['Ignore', 'ignored'], ['Reopen', 'open']];

function statusParam() {
  var s = state.params.get('status') || 'open';
  return s === 'all' || STATUSES.indexOf(s) >= 0 ? s : 'open';
}
function typeParam() { var t = state.params.get('type') || ''; return TYPES[t] ? t : ''; }
function listLink() { return '#/issues' + (listLink.last || ''); }
listLink.last = '';

// Server text marks code with backticks; everything else stays plain text.
function rich(s) { return esc(s || '').replace(/`([^`]+)`/g, '<code>$1</code>'); }
function when(ms) { return agoHtml(ms, 'iss-when'); }
function where(i) {
  return [i.service, i.route].filter(Boolean).map(esc).join(' · ');
}


// ---- list -----------------------------------------------------------------------

function renderList(all, status) {
  var counts = { all: all.length };
  STATUSES.forEach(function (s) { counts[s] = 0; });
  all.forEach(function (i) { counts[i.status] = (counts[i.status] || 0) + 1; });
  $('issues-status').querySelectorAll('button[data-status]').forEach(function (b) {
    var s = b.getAttribute('data-status');
    b.classList.toggle('active', s === status);
    b.setAttribute('aria-pressed', String(s === status));
    b.querySelector('.iss-count').textContent = counts[s] ? String(counts[s]) : '';
  });
  var list = status === 'all' ? all : all.filter(function (i) { return i.status === status; });
  var tbody = $('issues-table').querySelector('tbody');
  if (!list.length) {
    setHtml(tbody, '<tr class="empty-row"><td colspan="6">' + esc(all.length ? 'No ' + (status === 'all' ? '' : status + ' ') +
      'issues' + (typeParam() ? ' of this type' : '') : 'No issues found') + '</td></tr>');
  } else {
    setHtml(tbody, list.map(function (i) {
      var href = issueLink(i.id);
      return '<tr class="issue-row" data-issue-id="' + esc(i.id) + '" data-type="' + esc(i.type) + '" data-status="' + esc(i.status) +
        '" data-href="' + esc(href) + '">' +
        '<td class="txt iss-sev-cell">' + sevBadge(i.severity) + '</td>' +
        '<td class="txt iss-main"><a class="issue-link" href="' + esc(href) + '">' + esc(i.title) + '</a>' +
        '<span class="sub"><span class="iss-type">' + esc(TYPES[i.type] || i.type) + '</span>' +
        (where(i) ? ' · <span class="iss-where">' + where(i) + '</span>' : '') + '</span></td>' +
        '<td class="iss-impact">' + esc(impactText(i)) + '</td>' +
        '<td class="iss-first">' + when(i.firstSeen) + '</td>' +
        '<td class="iss-last">' + when(i.lastSeen) + '</td>' +
        '<td class="txt">' + statusBadge(i.status) + '</td></tr>';
    }).join(''));
  }
  var n = list.length;
  $('issues-meta').textContent = n ? n + (n === 1 ? ' issue' : ' issues') + ', biggest impact first' : '';
  showEmpty('issues-empty', all.length || typeParam() ? '' : '<p>No issues yet. Perfwatch analyses the spans it receives every minute and ' +
    'reports N+1 queries, slow queries and release regressions here. Send traces (or a sample workload: <code>perfwatch demo --server ' +
    esc(location.origin) + '</code>), then press <b>Analyze now</b>.</p>');
}

// ---- detail ---------------------------------------------------------------------

var EVIDENCE = {
  callsPerRequestMedian: ['Calls per request (median)', 'int'], requests: ['Requests', 'int'], calls: ['Calls', 'int'],
  msPerCall: ['Time per call', 'ms'], msPerRequest: ['Time per request', 'ms'], routeP95Ms: ['Route p95', 'ms'],
  p50Ms: ['p50', 'ms'], p95Ms: ['p95', 'ms'], totalMs: ['Total time', 'ms'],
  before: ['Release before', 'text'], after: ['Release after', 'text'],
  p95BeforeMs: ['p95 before', 'ms'], p95AfterMs: ['p95 after', 'ms'],
  requestsBefore: ['Requests before', 'int'], requestsAfter: ['Requests after', 'int'],
  changePct: ['Change', 'pct'], fingerprint: ['Fingerprint', 'code'],
  deployedAt: ['Deployed', 'time'], beforeFrom: ['Compared from', 'time'], afterTo: ['Compared until', 'time'],
  deploymentId: ['Deployment', 'int'], pValue: ['p-value (Mann–Whitney)', 'p'],
  probabilityAfterSlower: ['P(request after is slower)', 'share'], meanBeforeMs: ['Mean before', 'ms'], meanAfterMs: ['Mean after', 'ms'],
  rootCause: ['Where the time went', 'causes'], signals: ['Moved at the same time', 'signals']
};

// A regression's root cause: the queries whose time per request grew, largest first.
function causesCell(list) {
  if (!Array.isArray(list) || !list.length) return 'no query explains the change';
  return '<table class="kv iss-causes">' + list.map(function (c) {
    return '<tr><td><code>' + esc(c.fingerprint || '') + '</code> ' + esc((c.statement || '').slice(0, 120)) + '</td><td>' +
      esc(fmtMs(c.perRequestBeforeMs)) + ' → ' + esc(fmtMs(c.perRequestAfterMs)) + ' per request (' +
      esc(Math.round((+c.shareOfMeanIncrease || 0) * 100) + '% of the increase') + ')</td></tr>';
  }).join('') + '</table>';
}

// Error rate, CPU, memory around the deploy: before → after, and whether it moved.
function signalsCell(map) {
  if (!map || typeof map !== 'object' || !Object.keys(map).length) return '—';
  return Object.keys(map).map(function (name) {
    var x = map[name] || {};
    return esc(name.replace(/_/g, ' ') + ': ' + String(+(+x.before).toPrecision(3)) + ' → ' + String(+(+x.after).toPrecision(3)) +
      (x.moved ? ' (moved)' : ' (steady)'));
  }).join('<br>');
}

// An /api/v1/query URL of the evidence, as an Explore deep link.
function exploreLink(q) {
  var i = q.indexOf('?');
  if (!/^\/api\/v1\/query\?/.test(q) || i < 0) return null;
  var pairs = [];
  new URLSearchParams(q.slice(i + 1)).forEach(function (v, k) { if (/^(metric|stat|by|where)$/.test(k)) pairs.push([k, v]); });
  return pageLink('explore', pairs);
}

function evidenceRows(ev) {
  var label = function (k) {
    if (k === 'p95BeforeMs' && ev.before) return 'p95 in ' + ev.before;
    if (k === 'p95AfterMs' && ev.after) return 'p95 in ' + ev.after;
    if (EVIDENCE[k]) return EVIDENCE[k][0];
    return k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, function (c) { return c.toUpperCase(); });
  };
  return Object.keys(ev || {}).filter(function (k) { return k !== 'statement' && ev[k] !== null && ev[k] !== ''; }).map(function (k) {
    var v = ev[k], kind = EVIDENCE[k] ? EVIDENCE[k][1] : /Ms$/.test(k) && isNum(v) ? 'ms' : isNum(v) ? 'num' : 'text', cell;
    if (k === 'query' && typeof v === 'string' && exploreLink(v)) {
      cell = '<a class="iss-explore" href="' + esc(exploreLink(v)) + '">Chart it in Explore →</a>';
      return '<tr data-evidence="query"><th>Metric query</th><td>' + cell + '</td></tr>';
    }
    if (kind === 'ms') cell = esc(fmtMs(v));
    else if (kind === 'int') cell = esc(fmtInt(v));
    else if (kind === 'pct') cell = isNum(v) ? esc((v > 0 ? '+' : '') + (+v).toFixed(Math.abs(v) >= 10 ? 0 : 1) + '%') : esc(v);
    else if (kind === 'num') cell = esc(String(+(+v).toFixed(2)));
    else if (kind === 'code') cell = '<code>' + esc(v) + '</code>';
    else if (kind === 'time') cell = isNum(v) ? esc(new Date(+v).toLocaleString()) : esc(v);
    else if (kind === 'p') cell = isNum(v) ? esc(fmtPValue(v)) : esc(v);
    else if (kind === 'share') cell = isNum(v) ? esc(Math.round(+v * 100) + '%') : esc(v);
    else if (kind === 'causes') cell = causesCell(v);
    else if (kind === 'signals') cell = signalsCell(v);
    else cell = esc(typeof v === 'object' ? JSON.stringify(v) : v);
    return '<tr data-evidence="' + esc(k) + '"><th>' + esc(label(k)) + '</th><td>' + cell + '</td></tr>';
  }).join('');
}

function links(i) {
  var out = [];
  if ((i.type === 'n_plus_one' || i.type === 'regression') && i.route) {
    out.push('<a id="issue-route-link" class="btn-link" href="' + esc(pageLink('route', [['service', i.service], ['route', i.route]])) +
      '">Route detail →</a>');
    out.push('<a id="issue-traces-link" class="btn-link" href="' + esc(pageLink('traces', [['service', i.service], ['route', i.route],
      ['order', 'duration']])) + '">Slowest traces of this route →</a>');
  }
  if (i.type === 'slow_query' || i.type === 'n_plus_one') {
    out.push('<a id="issue-db-link" class="btn-link" href="' + esc(pageLink('database', [['sort', i.type === 'slow_query' ? '-p95' : '-calls']])) +
      '">Database queries →</a>');
  }
  return out.join('');
}

function detailHtml(i) {
  var ev = i.evidence || {};
  var buttons = ACTIONS.filter(function (a) { return a[1] !== i.status; }).map(function (a) {
    return '<button type="button" class="btn iss-action' + (a[1] === 'open' ? '' : ' btn-quiet') + '" data-set-status="' + a[1] + '">' + a[0] + '</button>';
  }).join('');
  return '<a id="issue-back" class="crumb" href="' + esc(listLink()) + '">← Issues</a>' +
    '<div class="card iss-head"><div class="iss-title-row">' + sevBadge(i.severity) + '<h1 id="issue-title">' + esc(i.title) + '</h1></div>' +
    '<div class="iss-facts"><span><b>Status</b> <span id="issue-status">' + statusBadge(i.status) + '</span></span>' +
    '<span><b>Type</b> <span id="issue-type">' + esc(TYPES[i.type] || i.type) + '</span></span>' +
    (i.service ? '<span><b>Service</b> <code>' + esc(i.service) + '</code></span>' : '') +
    (i.route ? '<span><b>Route</b> <code id="issue-route">' + esc(i.route) + '</code></span>' : '') +
    '<span><b>Impact</b> <span id="issue-impact">' + esc(impactText(i)) + '</span></span>' +
    '<span><b>First seen</b> ' + when(i.firstSeen) + '</span><span><b>Last seen</b> ' + when(i.lastSeen) + '</span>' +
    (isNum(i.resolvedAt) ? '<span><b>Resolved</b> ' + when(i.resolvedAt) + '</span>' : '') + '</div>' +
    '<div id="issue-actions" class="iss-actions">' + buttons + '</div>' + applyFixHtml + '</div>' +
    '<div class="grid2 iss-grid"><div class="card"><h2>What happens</h2><p id="issue-description" class="iss-text">' + rich(i.description) + '</p>' +
    '<div id="issue-recommendation" class="iss-rec"><h3>Recommendation</h3><p>' + rich(i.recommendation) + '</p></div>' +
    '<div class="iss-links">' + links(i) + '</div></div>' +
    '<div class="card"><h2>Evidence</h2>' +
    (ev.statement ? '<pre id="issue-statement" class="iss-stmt"><code>' + esc(ev.statement) + '</code></pre>' : '') +
    '<table id="issue-evidence" class="kv iss-ev"><tbody>' + evidenceRows(ev) + '</tbody></table></div></div>';
}

// ---- page -----------------------------------------------------------------------

var issuesPage = {
  enter: function () {
    var detail = !!state.arg;
    $('issues-list-view').hidden = detail;
    $('issue-view').hidden = !detail;
    if (!detail) {
      $('issues-type').value = typeParam();
      var pairs = [];
      if (state.params.get('status')) pairs.push('status=' + encodeURIComponent(statusParam()));
      if (typeParam()) pairs.push('type=' + typeParam());
      listLink.last = pairs.length ? '?' + pairs.join('&') : '';
    }
  },
  refresh: function (ctx) {
    return state.arg ? this.refreshDetail(ctx, state.arg) : this.refreshList(ctx);
  },
  refreshList: function (ctx) {
    var status = statusParam(), type = typeParam();
    // All statuses at once (a handful of issues): the tabs show their counts.
    return api('/api/v1/issues', type ? [['type', type]] : []).then(function (res) {
      if (current(ctx)) renderList(res.issues || [], status);
    }, function (e) {
      ctx.errors.push(errorText('Issues', e));
      if (!current(ctx)) return;
      var tbody = $('issues-table').querySelector('tbody');
      failRow(tbody, 6, 'Failed to load the issues: see the error above');
      tbody.__sig = null;
      $('issues-meta').textContent = '';
      showEmpty('issues-empty', '');
    });
  },
  refreshDetail: function (ctx, id) {
    var box = $('issue-view');
    return api('/api/v1/issues/' + encodeURIComponent(id)).then(function (i) {
      if (!current(ctx)) return;
      box.setAttribute('data-issue-id', String(i.id));
      box.setAttribute('data-status', i.status);
      setHtml(box, detailHtml(i));
    }, function (e) {
      ctx.errors.push(errorText('Issue ' + id, e));
      if (!current(ctx)) return;
      box.removeAttribute('data-issue-id');
      setHtml(box, '<a id="issue-back" class="crumb" href="' + esc(listLink()) + '">← Issues</a><h1>Issue ' + esc(id) + '</h1>' +
        '<div class="card empty"><p>' + (e && e.status === 404 ? 'There is no issue with this id.' : 'The issue could not be loaded: see the error above.') + '</p></div>');
    });
  }
};

issuesPage.init = function () {
  function reload() {
    writeHash();
    issuesPage.enter();
    refresh();
  }
  $('issues-status').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-status]');
    if (!b) return;
    setParam('status', b.getAttribute('data-status') === 'open' ? '' : b.getAttribute('data-status'));
    reload();
  });
  $('issues-type').addEventListener('change', function () {
    setParam('type', this.value);
    reload();
  });
  bindRowLinks($('issues-table').querySelector('tbody'));
  $('issues-analyze').addEventListener('click', function () {
    var btn = this, note = $('issues-run-note');
    btn.disabled = true;
    btn.textContent = 'Analyzing…';
    note.textContent = '';
    send('POST', '/api/v1/analysis/run').then(function (r) {
      var f = r.failures || [];
      note.textContent = 'Analyzed in ' + (isNum(r.seconds) ? (+r.seconds).toFixed(2) : '?') + ' s · ' + fmtInt(r.issues) +
        (r.issues === 1 ? ' issue' : ' issues') + ' found';
      if (f.length) deferError('Analysis: ' + f.map(function (x) { return typeof x === 'string' ? x : JSON.stringify(x); }).join('; '));
    }, function (e) {
      deferError('Analyze now', e);
    }).then(function () {
      btn.disabled = false;
      btn.textContent = 'Analyze now';
      if (state.page === 'issues') refresh();
    });
  });
  $('issue-view').addEventListener('click', function (e) {
    var view = $('issue-view');
    if (e.target.closest('#issue-apply-fix')) {
      recordFix(+view.getAttribute('data-issue-id'), $('issue-route'));
      return;
    }
    var b = e.target.closest('button[data-set-status]');
    if (!b) return;
    var id = view.getAttribute('data-issue-id'), to = b.getAttribute('data-set-status');
    $('issue-actions').querySelectorAll('button').forEach(function (x) { x.disabled = true; });
    send('PATCH', '/api/v1/issues/' + encodeURIComponent(id), { status: to }).then(function () {
      if (state.page === 'issues') refresh();
    }, function (err) {
      view.__sig = null; // re-render: the buttons come back
      reportError('Set status to ' + to, err);
    });
  });
};

export default issuesPage;
