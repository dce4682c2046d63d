/* Perfwatch dashboard: the Alerts page; it keeps the nav's firing-count badge (alert-badge.js) and, while
 * shown, the live stream with its toasts (alert-stream.js) going.
 *   #/alerts[?tab=active|history|rules|silences]
 *     active    firing and pending alerts: severity, summary, value vs threshold, since, labels, a "silenced"
 *               badge while a silence covers one, Acknowledge (inline form; the name is remembered in
 *               localStorage) and Silence
 *     history   transitions over the selected time range ([&state=pending|firing|resolved|acknowledged]),
 *               statistics (alerts per rule, mean time to acknowledge / resolve), notification deliveries
 *     rules     every rule: query, condition, for, health, last evaluation, pending/firing; Reload rules
 *     silences  the silences (Expire) and a form to create one ([&matchers=a=b,c=d] pre-fills it)
 * API: GET /api/v1/alerts, POST /api/v1/alerts/{id}/ack, GET /api/v1/alert-rules, POST /api/v1/rules/reload,
 * GET|POST /api/v1/silences, DELETE /api/v1/silences/{id}, GET /api/v1/alerts/deliveries. */
import { api, describe, errorText, send } from './api.js';
import { firingOf, setBadge, updateBadge } from './alert-badge.js';
import { syncAlertStream } from './alert-stream.js';
import { $, failRow, setHtml } from './dom.js';
import { ago, agoHtml, esc, fmtInt, fmtMs, fmtWhen, formatTime, isNum } from './format.js';
import { current, deferError, onRefresh, pageLink, refresh, reportError, setParam, state, timeWindow, writeHash } from './router.js';

var TABS = ['active', 'history', 'rules', 'silences'];
var KINDS = ['pending', 'firing', 'resolved', 'acknowledged'];
var SEVERITY = { critical: 'badge-error', warning: 'badge-warn', info: 'badge-info' };
var HEALTH = { ok: 'badge-ok', no_data: 'badge-warn', error: 'badge-error' };
var STATE_BADGE = { firing: 'badge-error', pending: 'badge-warn', resolved: 'badge-ok', acknowledged: 'badge-info' };
var SILENCE_LABELS = ['alertname', 'route', 'service', 'page'];
var ACK_KEY = 'perfwatch.alerts.ackBy';

function tabParam() { var t = state.params.get('tab') || 'active'; return TABS.indexOf(t) >= 0 ? t : 'active'; }
function kindParam() { var k = state.params.get('state') || ''; return KINDS.indexOf(k) >= 0 ? k : ''; }
function when(ms) { return agoHtml(ms, 'al-when'); }
function until(ms) {
  if (!isNum(ms)) return '—';
  var s = Math.max(0, (ms - Date.now()) / 1000);
  var left = s < 60 ? '< 1 min' : s < 3600 ? Math.round(s / 60) + ' min' : s < 86400 ? +(s / 3600).toFixed(1) + ' h' : +(s / 86400).toFixed(1) + ' d';
  return '<span class="al-when" title="' + esc(formatTime(ms, true)) + '">' + esc(fmtWhen(ms)) + '</span> <span class="muted">(in ' + esc(left) + ')</span>';
}
function num(v) {
  if (!isNum(v)) return '—';
  v = +v;
  return String(Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : +v.toPrecision(4));
}
function duration(ms) {
  if (!isNum(ms)) return '—';
  var s = ms / 1000;
  return s < 1 ? Math.round(ms) + ' ms' : s < 90 ? +s.toFixed(1) + ' s' : s < 5400 ? +(s / 60).toFixed(1) + ' min' : +(s / 3600).toFixed(1) + ' h';
}
function badge(cls, text, attr) {
  return '<span class="badge ' + (cls || '') + '"' + (attr || '') + '>' + esc(text) + '</span>';
}
function sevBadge(sev) { return badge('al-sev ' + (SEVERITY[sev] || ''), sev || 'none', ' data-severity="' + esc(sev || '') + '"'); }
function stateBadge(st) { return badge('al-state ' + (STATE_BADGE[st] || ''), st, ' data-state="' + esc(st) + '"'); }
function chips(labels) {
  return Object.keys(labels || {}).sort().map(function (k) {
    return '<span class="al-chip" data-label="' + esc(k) + '"><b>' + esc(k) + '</b>=' + esc(labels[k]) + '</span>';
  }).join('');
}
function matcherText(m) { return typeof m === 'string' ? m : (m.name || '') + (m.op || '=') + (m.value || ''); }
function tabLink(tab, pairs) { return pageLink('alerts', [['tab', tab]].concat(pairs || [])); }

function remembered() { try { return localStorage.getItem(ACK_KEY) || ''; } catch (e) { return ''; } }
function remember(name) { try { localStorage.setItem(ACK_KEY, name); } catch (e) { /* private mode */ } }

// ---- active ---------------------------------------------------------------------------

var ackOpen = null, ackDraft = { by: '', comment: '' };

function ackForm(a) {
  return '<form class="al-ack-form" data-alert-id="' + esc(a.id) + '">' +
    '<label class="field"><span>Your name</span><input type="text" class="al-ack-by" required value="' + esc(ackDraft.by) + '"></label>' +
    '<label class="field grow"><span>Comment</span><input type="text" class="al-ack-comment" value="' + esc(ackDraft.comment) + '"></label>' +
    '<button type="submit" class="btn al-ack-submit">Acknowledge</button>' +
    '<button type="button" class="btn btn-quiet al-ack-cancel">Cancel</button></form>';
}

function silenceMatchers(a) {
  var l = a.labels || {};
  if (!l.alertname && a.ruleName) l = Object.assign({ alertname: a.ruleName }, l);
  return SILENCE_LABELS.filter(function (k) { return l[k]; }).map(function (k) { return k + '=' + l[k]; }).join(', ');
}

// A silenced alert is still evaluated and listed, but nobody is told: say so on its card.
function silencedBadge(a) {
  if (!a.silenced) return '';
  var title = isNum(a.silencedUntil) ? ' title="silenced until ' + esc(formatTime(a.silencedUntil, true)) + '"' : '';
  return badge('al-silenced', 'silenced', title);
}

function alertHtml(a, ops) {
  var ack = a.acknowledgement, op = ops[a.groupName + '\u0001' + a.ruleName] || '';
  var summary = (a.annotations && a.annotations.summary) || a.ruleName;
  return '<div class="card al-alert al-' + esc(a.state) + (ack ? ' is-acked' : '') + '" data-alert-id="' + esc(a.id) + '" data-state="' + esc(a.state) +
    '" data-rule="' + esc(a.ruleName) + '">' +
    '<div class="al-alert-head">' + sevBadge(a.severity) + stateBadge(a.state) + silencedBadge(a) +
    '<b class="al-rule">' + esc(a.ruleName) + '</b><span class="muted al-group">' + esc(a.groupName) + '</span>' +
    '<span class="al-since">' + (a.state === 'firing' ? 'firing since ' : 'pending since ') + when(a.state === 'firing' && isNum(a.firedAt) ? a.firedAt : a.activeAt) + '</span></div>' +
    '<p class="al-summary">' + esc(summary) + '</p>' +
    '<div class="al-facts"><span class="al-value"><b>Value</b> ' + esc(num(a.value)) + ' <span class="muted">' + esc(op || 'vs') + ' ' + esc(num(a.threshold)) + ' threshold</span></span>' +
    '<span class="al-labels">' + chips(a.labels) + '</span></div>' +
    (ack ? '<div class="al-ack">Acknowledged by <b class="al-ack-who">' + esc(ack.by) + '</b> ' + when(ack.at) +
      (ack.comment ? ' — <span class="al-ack-text">' + esc(ack.comment) + '</span>' : '') + '</div>' : '') +
    '<div class="al-actions">' +
    (ack ? '' : ackOpen === a.id ? ackForm(a) : '<button type="button" class="btn al-ack-btn">Acknowledge</button>') +
    '<a class="btn btn-quiet al-silence-btn" href="' + esc(tabLink('silences', [['matchers', silenceMatchers(a)]])) + '">Silence…</a>' +
    '<a class="btn-link al-rule-link" href="' + esc(tabLink('rules')) + '">Rule →</a></div></div>';
}

function renderActive(active, ops) {
  var order = { firing: 0, pending: 1 };
  var list = active.slice().sort(function (a, b) {
    return (order[a.state] - order[b.state]) || ((b.firedAt || b.activeAt) - (a.firedAt || a.activeAt));
  });
  if (ackOpen && !list.some(function (a) { return a.id === ackOpen && !a.acknowledgement; })) ackOpen = null;
  var firing = firingOf(list);
  $('alerts-meta').textContent = list.length ? firing + ' firing · ' + (list.length - firing) + ' pending' : '';
  setHtml($('alerts-active-list'), list.length ? list.map(function (a) { return alertHtml(a, ops); }).join('') :
    '<div class="card empty al-none"><p>No alerts are firing or pending. See the <a href="' + esc(tabLink('rules')) +
    '">rules</a> Perfwatch evaluates, or the <a href="' + esc(tabLink('history')) + '">history</a>.</p></div>');
}

// ---- history ----------------------------------------------------------------------------

function renderHistory(res) {
  var hist = res.history || [], st = res.statistics || {};
  var tbody = $('alerts-history-table').querySelector('tbody');
  setHtml(tbody, hist.length ? hist.map(function (h) {
    var who = h.kind === 'acknowledged' && h.acknowledgedBy ? esc(h.acknowledgedBy) : '';
    return '<tr class="al-hist-row" data-kind="' + esc(h.kind) + '" data-alert-id="' + esc(h.alertId) + '">' +
      '<td class="txt">' + esc(fmtWhen(h.at)) + ' <span class="muted">' + esc(ago(h.at)) + '</span></td>' +
      '<td class="txt">' + stateBadge(h.kind) + (h.silenced ? ' ' + badge('al-silenced', 'silenced') : '') + '</td>' +
      '<td class="txt">' + sevBadge(h.severity) + ' <b>' + esc(h.rule) + '</b><span class="sub al-labels">' + chips(h.labels) + '</span></td>' +
      '<td class="txt al-msg">' + esc(h.message || '') + '</td>' +
      '<td>' + esc(num(h.value)) + ' <span class="muted">/ ' + esc(num(h.threshold)) + '</span></td>' +
      '<td class="txt al-by">' + who + '</td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="6">No ' + esc(kindParam() ? kindParam() + ' ' : '') + 'transitions in this time range</td></tr>');
  var per = (st.firedPerRule || []).slice().sort(function (a, b) { return b.count - a.count; });
  setHtml($('alerts-stats'), '<div class="al-stat-grid">' +
    '<div class="stat" id="alerts-mtta"><div class="tile-label">Mean time to acknowledge</div><div class="tile-value">' + esc(duration(st.meanTimeToAcknowledgeMs)) + '</div></div>' +
    '<div class="stat" id="alerts-mttr"><div class="tile-label">Mean time to resolve</div><div class="tile-value">' + esc(duration(st.meanTimeToResolveMs)) + '</div></div>' +
    '<div class="al-per-rule"><div class="tile-label">Alerts fired per rule</div>' +
    (per.length ? '<table id="alerts-per-rule" class="kv"><tbody>' + per.map(function (r) {
      return '<tr data-rule="' + esc(r.rule) + '"><th>' + esc(r.rule) + '</th><td>' + esc(fmtInt(r.count)) + '</td></tr>';
    }).join('') + '</tbody></table>' : '<p class="muted none">None fired in this time range.</p>') + '</div></div>');
}

function renderDeliveries(list) {
  var tbody = $('alerts-deliveries-table').querySelector('tbody');
  setHtml(tbody, list.length ? list.slice(0, 50).map(function (d) {
    var bad = d.outcome && d.outcome !== 'sent';
    return '<tr class="al-delivery' + (bad ? ' is-error' : '') + '" data-outcome="' + esc(d.outcome || '') + '">' +
      '<td class="txt">' + esc(isNum(d.at) ? fmtWhen(d.at) : '—') + '</td>' +
      '<td class="txt">' + esc(d.channel || '') + (d.channelType ? ' <span class="muted">' + esc(d.channelType) + '</span>' : '') + '</td>' +
      '<td class="txt">' + esc(d.notificationStatus || '') + (d.reason ? ' <span class="muted">' + esc(d.reason) + '</span>' : '') + '</td>' +
      '<td class="txt">' + badge(bad ? 'badge-error' : 'badge-ok', d.outcome || '?') + '</td>' +
      '<td>' + esc(fmtInt(d.attempt)) + '</td><td class="txt al-msg">' + esc(d.error || '') + '</td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="6">No notifications sent yet</td></tr>');
}

// ---- rules -------------------------------------------------------------------------------

function queryText(q) {
  if (!q) return '';
  var s = (q.stat || '?') + '(' + (q.metric || '?') + ')';
  if (q.ratio_to) s += ' / ' + (q.ratio_to.stat || '?') + '(' + (q.ratio_to.metric || '?') + ')';
  if (q.by && q.by.length) s += ' by ' + [].concat(q.by).join(', ');
  if (q.where && q.where.length) s += ' where ' + [].concat(q.where).join(', ');
  if (q.window) s += ' over ' + q.window;
  return s;
}

/** The rule files' problems, under the Reload button: from the rules list on every load, and from a reload. */
function showRuleProblems(probs) {
  var box = $('alerts-reload-problems');
  box.innerHTML = probs.map(function (p) { return '<li class="al-problem"><code>' + esc(p) + '</code></li>'; }).join('');
  box.hidden = !probs.length;
}

function renderRules(res) {
  var probs = res.problems || [];
  showRuleProblems(probs);
  if (probs.length) $('alerts-reload-note').textContent = probs.length + (probs.length === 1 ? ' problem' : ' problems') + ' in the rule files';
  var statuses = {};
  (res.statuses || []).forEach(function (s) { statuses[s.groupName + '\u0001' + s.ruleName] = s; });
  var groups = res.groups || [];
  setHtml($('alerts-rules-list'), groups.length ? groups.map(function (g) {
    return '<div class="card table-card al-group-card" data-group="' + esc(g.name) + '"><h2>' + esc(g.name) +
      ' <small>every ' + esc(g.interval || '?') + (g.source ? ' · ' + esc(g.source) : '') + '</small></h2>' +
      '<table class="table al-rules-table"><thead><tr><th class="txt">Rule</th><th class="txt">Query</th><th class="txt">Condition</th>' +
      '<th class="txt">For</th><th class="txt">Health</th><th class="txt">Last evaluation</th><th>Pending</th><th>Firing</th></tr></thead><tbody>' +
      (g.rules || []).map(function (r) {
        var s = statuses[g.name + '\u0001' + r.alert] || {}, health = s.health || 'unknown';
        return '<tr class="al-rule-row" data-group="' + esc(g.name) + '" data-rule="' + esc(r.alert) + '" data-health="' + esc(health) + '">' +
          '<td class="txt"><b>' + esc(r.alert) + '</b>' + (r.labels && r.labels.severity ? ' ' + sevBadge(r.labels.severity) : '') + '</td>' +
          '<td class="txt"><code class="al-query">' + esc(r.expr || queryText(r.query)) + '</code></td>' +
          '<td class="txt al-cond"><code>' + esc(r.op === 'present' ? 'any value' : (r.op || '') + ' ' + num(r.threshold)) + '</code></td>' +
          '<td class="txt">' + esc(r.for || '0s') + '</td>' +
          '<td class="txt">' + badge('al-health ' + (HEALTH[health] || ''), health.replace('_', ' '), ' data-health="' + esc(health) + '"') + '</td>' +
          '<td class="txt al-last">' + when(s.lastEvaluatedAt) + (isNum(s.lastDurationMs) ? ' <span class="muted">in ' + esc(fmtMs(s.lastDurationMs)) + '</span>' : '') +
          (s.lastError ? '<span class="sub al-error">' + esc(s.lastError) + '</span>' : '') + '</td>' +
          '<td class="al-pending">' + esc(fmtInt(s.pendingCount || 0)) + '</td>' +
          '<td class="al-firing' + (s.firingCount ? ' status-crit' : '') + '">' + esc(fmtInt(s.firingCount || 0)) + '</td></tr>';
      }).join('') + '</tbody></table></div>';
  }).join('') : '<div class="card empty"><p>No alert rules are loaded. Start the server with <code>--rules DIR</code>.</p></div>');
  var n = groups.reduce(function (a, g) { return a + (g.rules || []).length; }, 0);
  $('alerts-meta').textContent = n + (n === 1 ? ' rule' : ' rules') + ' in ' + groups.length + (groups.length === 1 ? ' group' : ' groups');
}

// ---- silences ------------------------------------------------------------------------------

function renderSilences(list) {
  var tbody = $('silences-table').querySelector('tbody');
  setHtml(tbody, list.length ? list.map(function (s) {
    return '<tr class="silence-row" data-silence-id="' + esc(s.id) + '">' +
      '<td class="txt al-matchers">' + (s.matchers || []).map(function (m) { return '<code class="al-chip">' + esc(matcherText(m)) + '</code>'; }).join(' ') + '</td>' +
      '<td class="txt">' + until(s.endsAt) + '</td>' +
      '<td class="txt al-author">' + esc(s.createdBy || '') + '</td>' +
      '<td class="txt al-comment">' + esc(s.comment || '') + '</td>' +
      '<td><button type="button" class="btn btn-quiet al-expire">Expire</button></td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="5">No active silences</td></tr>');
  $('alerts-meta').textContent = list.length ? list.length + (list.length === 1 ? ' active silence' : ' active silences') : '';
}

// ---- page -----------------------------------------------------------------------------------

function tabCount(tab, n) {
  var el = $('alerts-tabs').querySelector('button[data-tab="' + tab + '"] .al-count');
  if (el) el.textContent = n ? String(n) : '';
}

var alertsPage = {
  enter: function () {
    syncAlertStream();
    var tab = tabParam();
    $('alerts-tabs').querySelectorAll('button[data-tab]').forEach(function (b) {
      var on = b.getAttribute('data-tab') === tab;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    });
    document.querySelectorAll('#page-alerts .al-pane').forEach(function (p) { p.hidden = p.getAttribute('data-tab') !== tab; });
    $('alerts-meta').textContent = '';
    $('alerts-history-state').value = kindParam();
    if (tab === 'silences') {
      var m = state.params.get('matchers');
      if (m) { $('silence-matchers').value = m; $('silence-error').hidden = true; }
      if (!$('silence-author').value) $('silence-author').value = remembered();
    }
  },
  refresh: function (ctx) {
    var tab = tabParam(), fail = function (what) {
      return function (e) { ctx.errors.push(errorText(what, e)); };
    };
    var jobs = [];
    // The active alerts set the nav badge and the Active tab's count on every tab.
    if (tab === 'active') {
      jobs.push(Promise.all([api('/api/v1/alerts'), api('/api/v1/alert-rules').catch(function () { return {}; })]).then(function (r) {
        var ops = {};
        (r[1].groups || []).forEach(function (g) { (g.rules || []).forEach(function (x) { ops[g.name + '\u0001' + x.alert] = x.op; }); });
        setBadge(firingOf(r[0].active));
        if (!current(ctx)) return;
        tabCount('active', (r[0].active || []).length);
        renderActive(r[0].active || [], ops);
      }, function (e) {
        fail('Alerts')(e);
        if (current(ctx)) setHtml($('alerts-active-list'), '<div class="card empty"><p>The alerts could not be loaded: see the error above.</p></div>');
      }));
    } else {
      jobs.push(api('/api/v1/alerts', [['state', 'firing']]).then(function (r) { setBadge(firingOf(r.active)); }, function () {}));
    }
    if (tab === 'history') {
      var w = timeWindow(), pairs = [['from', w.from], ['to', w.to]];
      if (kindParam()) pairs.unshift(['state', kindParam()]);
      jobs.push(api('/api/v1/alerts', pairs).then(function (r) {
        if (!current(ctx)) return;
        renderHistory(r);
        var n = (r.history || []).length;
        $('alerts-meta').textContent = n + (n === 1 ? ' transition' : ' transitions');
      }, function (e) {
        fail('Alert history')(e);
        if (current(ctx)) { failRow($('alerts-history-table').querySelector('tbody'), 6, 'Failed to load the history: see the error above'); $('alerts-history-table').querySelector('tbody').__sig = null; }
      }));
      jobs.push(api('/api/v1/alerts/deliveries').then(function (r) {
        if (current(ctx)) renderDeliveries(r.deliveries || []);
      }, fail('Notification deliveries')));
    }
    if (tab === 'rules') {
      jobs.push(api('/api/v1/alert-rules').then(function (r) { if (current(ctx)) renderRules(r); }, fail('Alert rules')));
    }
    if (tab === 'silences' || tab === 'active') {
      jobs.push(api('/api/v1/silences').then(function (r) {
        if (!current(ctx)) return;
        tabCount('silences', (r.silences || []).length);
        if (tab === 'silences') renderSilences(r.silences || []);
      }, function (e) {
        if (tab !== 'silences') return;
        fail('Silences')(e);
        if (current(ctx)) { failRow($('silences-table').querySelector('tbody'), 5, 'Failed to load the silences: see the error above'); $('silences-table').querySelector('tbody').__sig = null; }
      }));
    }
    return Promise.all(jobs);
  }
};

alertsPage.init = function () {
  function goTab(tab, extra) {
    state.params.delete('matchers');
    setParam('tab', tab === 'active' ? '' : tab);
    (extra || []).forEach(function (p) { setParam(p[0], p[1]); });
    writeHash();
    alertsPage.enter();
    refresh();
  }

  $('alerts-tabs').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-tab]');
    if (b) goTab(b.getAttribute('data-tab'));
  });
  $('alerts-history-state').addEventListener('change', function () {
    setParam('state', this.value);
    writeHash();
    refresh();
  });

  var list = $('alerts-active-list');
  list.addEventListener('click', function (e) {
    var card = e.target.closest('.al-alert');
    if (!card) return;
    var id = card.getAttribute('data-alert-id');
    if (e.target.closest('.al-ack-btn')) {
      ackOpen = id;
      ackDraft = { by: remembered(), comment: '' };
      list.__sig = null;
      refresh();
      setTimeout(function () { var f = list.querySelector('.al-ack-form .al-ack-' + (ackDraft.by ? 'comment' : 'by')); if (f) f.focus(); }, 300);
    } else if (e.target.closest('.al-ack-cancel')) {
      ackOpen = null;
      list.__sig = null;
      refresh();
    }
  });
  list.addEventListener('input', function (e) {
    if (e.target.classList.contains('al-ack-by')) ackDraft.by = e.target.value;
    if (e.target.classList.contains('al-ack-comment')) ackDraft.comment = e.target.value;
  });
  list.addEventListener('submit', function (e) {
    var form = e.target.closest('.al-ack-form');
    if (!form) return;
    e.preventDefault();
    var id = form.getAttribute('data-alert-id');
    var by = form.querySelector('.al-ack-by').value.trim(), comment = form.querySelector('.al-ack-comment').value.trim();
    if (!by) { form.querySelector('.al-ack-by').focus(); return; }
    remember(by);
    form.querySelectorAll('button, input').forEach(function (x) { x.disabled = true; });
    send('POST', '/api/v1/alerts/' + encodeURIComponent(id) + '/ack', comment ? { by: by, comment: comment } : { by: by }).then(function () {
      ackOpen = null;
      list.__sig = null;
      if (state.page === 'alerts') refresh();
    }, function (err) {
      list.__sig = null;
      reportError('Acknowledge', err);
    });
  });

  $('silence-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var out = $('silence-error'), btn = $('silence-create');
    var matchers = $('silence-matchers').value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
    var dur = $('silence-duration').value.trim(), author = $('silence-author').value.trim(), comment = $('silence-comment').value.trim();
    var body = { matchers: matchers, duration: dur || '2h' };
    if (author) { body.createdBy = author; remember(author); }
    if (comment) body.comment = comment;
    out.hidden = true;
    btn.disabled = true;
    send('POST', '/api/v1/silences', body).then(function () {
      $('silence-matchers').value = '';
      $('silence-comment').value = '';
      if (state.params.get('matchers')) { state.params.delete('matchers'); writeHash(); }
    }, function (err) {
      out.textContent = describe(err);
      out.hidden = false;
    }).then(function () {
      btn.disabled = false;
      if (state.page === 'alerts') refresh();
    });
  });

  $('silences-table').querySelector('tbody').addEventListener('click', function (e) {
    var b = e.target.closest('.al-expire');
    if (!b) return;
    var id = b.closest('tr[data-silence-id]').getAttribute('data-silence-id');
    b.disabled = true;
    send('DELETE', '/api/v1/silences/' + encodeURIComponent(id)).then(function () {
      if (state.page === 'alerts') refresh();
    }, function (err) {
      $('silences-table').querySelector('tbody').__sig = null;
      reportError('Expire silence', err);
    });
  });

  $('alerts-reload').addEventListener('click', function () {
    var btn = this, note = $('alerts-reload-note'), box = $('alerts-reload-problems');
    btn.disabled = true;
    btn.textContent = 'Reloading…';
    note.textContent = '';
    box.hidden = true;
    send('POST', '/api/v1/rules/reload').then(function (r) {
      var probs = (r && r.problems) || [];
      note.textContent = (r && r.reloaded ? 'Reloaded' : 'Not reloaded') + ' · ' + (probs.length ? probs.length + (probs.length === 1 ? ' problem' : ' problems') : 'no problems');
      showRuleProblems(probs);
    }, function (err) {
      note.textContent = '';
      deferError('Reload rules', err);
    }).then(function () {
      btn.disabled = false;
      btn.textContent = 'Reload rules';
      if (state.page === 'alerts') refresh();
    });
  });

  window.addEventListener('hashchange', function () { setTimeout(syncAlertStream, 0); });
  onRefresh(function () { updateBadge(); syncAlertStream(); });
};

export default alertsPage;
