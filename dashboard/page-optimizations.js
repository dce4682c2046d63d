/* Perfwatch dashboard: the Optimizations page (fixes applied and validated before/after, and edge optimizations
 * that Perfwatch applies itself: proposed → applied → validated / rolled back).
 *   #/optimizations      the list: what, route, applied, status or verdict, p95 before → after, and the success rate
 *   #/optimizations/ID   one optimization: its impact and the route's p95 around the applied time, with the
 *                        applied time (and deploys) as markers; "Applied now" for a planned one; for an edge one
 *                        its policy change, "Apply" while proposed (or rolled back) and "Roll back" once applied
 * API: GET /api/v1/optimizations[/{id}], POST /api/v1/optimizations/{id}/apply, POST /api/v1/optimizations/{id}/rollback,
 * GET /api/v1/query, GET /api/v1/deployments. */
import { api, errorText, send } from './api.js';
import { render } from './chart.js';
import { $, bindRowLinks, failRow, setHtml, showEmpty } from './dom.js';
import { esc, fmtInt, fmtMs, fmtPct, fmtWhen, isNum } from './format.js';
import { current, refresh, reportError, state } from './router.js';
import { deployMarkers } from './timeseries.js';

var VERDICT = { improved: 'badge-ok', no_change: 'badge-info', regressed: 'badge-error' };
var LABEL = { improved: 'improved', no_change: 'no change', regressed: 'regressed' };
var H = 3600e3;

export function optimizationLink(id) { return '#/optimizations/' + encodeURIComponent(id); }
function verdictBadge(o) {
  if (o.status === 'rolled_back' || o.status === 'failed') {
    return '<span class="badge opt-verdict badge-error" data-verdict="' + esc(o.impact ? o.impact.verdict : '') + '">' + esc(o.status.replace('_', ' ')) + '</span>';
  }
  if (o.impact) {
    var v = o.impact.verdict;
    return '<span class="badge opt-verdict ' + (VERDICT[v] || '') + '" data-verdict="' + esc(v) + '">' + esc(LABEL[v] || v) + '</span>';
  }
  // An edge change is applied once published; until the edges run it, it has no applied time.
  var s = o.status === 'applied' ? (o.appliedAt === null ? 'waiting for edges' : 'validating…') : o.status;
  return '<span class="badge opt-verdict" data-verdict="">' + esc(s) + '</span>';
}
function change(o) {
  if (!o.impact) return '—';
  var i = o.impact;
  return fmtMs(i.before) + ' → ' + fmtMs(i.after) + ' (' + (i.change_pct > 0 ? '+' : '') + (+i.change_pct).toFixed(0) + '%)';
}
function pText(p) { return !isNum(p) ? '—' : p < 0.001 ? '< 0.001' : (+p).toFixed(3); }

// ---- list ------------------------------------------------------------------------

function renderList(res) {
  var list = res.optimizations || [], s = res.summary || {};
  var tbody = $('opt-table').querySelector('tbody');
  setHtml(tbody, list.length ? list.map(function (o) {
    return '<tr class="opt-row" data-opt-id="' + esc(o.id) + '" data-status="' + esc(o.status) + '" data-href="' + esc(optimizationLink(o.id)) + '">' +
      '<td class="txt"><a class="opt-link" href="' + esc(optimizationLink(o.id)) + '">' + esc(o.description) + '</a>' +
      '<span class="sub">' + esc(o.type) + (o.issueId ? ' · issue #' + esc(o.issueId) : '') + '</span></td>' +
      '<td class="txt"><code>' + esc(o.route) + '</code>' + (o.service ? '<span class="sub">' + esc(o.service) + '</span>' : '') + '</td>' +
      '<td>' + (isNum(o.appliedAt) ? esc(fmtWhen(o.appliedAt)) : '—') + '</td>' +
      '<td class="txt">' + verdictBadge(o) + '</td>' +
      '<td class="opt-change">' + esc(change(o)) + '</td>' +
      '<td>' + esc(o.impact ? pText(o.impact.p_value) : '—') + '</td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="6">No optimizations yet</td></tr>');
  var rate = isNum(s.successRate) ? Math.round(s.successRate * 100) + '%' : '—';
  setHtml($('opt-summary'), '<div class="tile" data-tile-id="success"><div class="tile-label">Success rate</div><div id="opt-success" class="tile-value">' +
    esc(rate) + '</div><div class="tile-status">' + esc((s.improved || 0) + ' of ' + (s.validated || 0) + ' validated improved') + '</div></div>' +
    '<div class="tile" data-tile-id="applied"><div class="tile-label">Applied</div><div class="tile-value">' + esc(fmtInt(s.applied || 0)) +
    '</div><div class="tile-status">' + esc((s.total || 0) + ' recorded') + '</div></div>' +
    '<div class="tile" data-tile-id="regressed"><div class="tile-label">Made it worse</div><div class="tile-value">' + esc(fmtInt(s.regressed || 0)) +
    '</div><div class="tile-status">' + esc((s.noChange || 0) + ' no change') + '</div></div>');
  showEmpty('opt-empty', list.length ? '' : '<p>No optimizations yet. Record a fix from an issue (<b>Applied a fix</b> on its page) or with ' +
    '<code>POST /api/v1/optimizations</code>; once applied, Perfwatch compares the route before and after and gives a verdict.</p>');
}

// ---- detail ----------------------------------------------------------------------

function detailHtml(o) {
  var i = o.impact;
  var facts = '<div class="iss-facts"><span><b>Verdict</b> ' + verdictBadge(o) + '</span>' +
    '<span><b>Route</b> <code id="opt-route">' + esc(o.route) + '</code></span>' +
    (o.service ? '<span><b>Service</b> <code>' + esc(o.service) + '</code></span>' : '') +
    '<span><b>Type</b> ' + esc(o.type) + '</span>' +
    (o.release ? '<span><b>Release</b> ' + esc(o.release) + '</span>' : '') +
    '<span><b>Applied</b> ' + (isNum(o.appliedAt) ? esc(fmtWhen(o.appliedAt)) : 'not yet') + '</span>' +
    (o.issueId ? '<span><b>Issue</b> <a href="#/issues/' + esc(o.issueId) + '">#' + esc(o.issueId) + '</a></span>' : '') + '</div>';
  var action = actionHtml(o);
  var impact = i ? '<table id="opt-impact" class="kv"><tbody>' +
    '<tr data-k="before"><th>p95 before</th><td>' + esc(fmtMs(i.before)) + '</td></tr>' +
    '<tr data-k="after"><th>p95 after</th><td>' + esc(fmtMs(i.after)) + '</td></tr>' +
    '<tr data-k="change_pct"><th>Change</th><td>' + esc((i.change_pct > 0 ? '+' : '') + (+i.change_pct).toFixed(1) + '%') + '</td></tr>' +
    '<tr data-k="p_value"><th>Mann–Whitney p</th><td>' + esc(pText(i.p_value)) + '</td></tr>' +
    '<tr data-k="requests"><th>Requests</th><td>' + esc(fmtInt(i.requests_before) + ' before · ' + fmtInt(i.requests_after) + ' after') + '</td></tr>' +
    (isNum(i.error_rate_before) ? '<tr data-k="error_rate"><th>Error rate</th><td>' + esc(fmtPct(i.error_rate_before) + ' → ' +
      fmtPct(i.error_rate_after) + ' (p ' + pText(i.error_p_value) + ')') + '</td></tr>' : '') +
    (isNum(i.bytes_per_response_before) ? '<tr data-k="bytes_per_response"><th>Bytes per response</th><td>' +
      esc(fmtInt(i.bytes_per_response_before) + ' → ' + fmtInt(i.bytes_per_response_after)) + '</td></tr>' : '') +
    (isNum(i.upstream_rps_before) ? '<tr data-k="upstream_rps"><th>Upstream requests/s</th><td>' +
      esc((+i.upstream_rps_before).toFixed(2) + ' → ' + (+i.upstream_rps_after).toFixed(2)) + '</td></tr>' : '') +
    (isNum(i.image_bytes_per_page_before) ? '<tr data-k="image_bytes_per_page"><th>Image bytes per page view (RUM)</th><td>' +
      esc(fmtInt(i.image_bytes_per_page_before) + ' → ' + fmtInt(i.image_bytes_per_page_after)) + '</td></tr>' : '') +
    (isNum(i.lcp_p75_before) ? '<tr data-k="lcp_p75"><th>LCP p75 (RUM)</th><td>' +
      esc(fmtInt(i.lcp_p75_before) + ' ms → ' + fmtInt(i.lcp_p75_after) + ' ms') + '</td></tr>' : '') +
    '</tbody></table>'
    : '<p id="opt-impact-pending" class="muted">' + esc(o.appliedAt === null ? (o.policy_version ? 'Published as edge policy version ' +
      o.policy_version + '; applied once every connected edge runs it.' : 'Not applied yet.') :
      'Validating: the verdict comes once an analysis window (1 h by default, at least 15 min) and 100 requests of the route have followed the change.') + '</p>';
  return '<a id="opt-back" class="crumb" href="#/optimizations">← Optimizations</a>' +
    '<div class="card iss-head"><h1 id="opt-title">' + esc(o.description) + '</h1>' + facts + action + edgeHtml(o) + '</div>' +
    '<div class="grid2 iss-grid"><div class="card"><h2>Impact</h2>' + impact + '</div>' +
    '<div class="card"><h2>Route p95 around the change <small>http.server.duration · p95</small></h2><div id="opt-chart" class="chart"></div></div></div>';
}

// Planned: "Applied now" records that the team shipped it. Edge: Perfwatch applies and rolls back the policy change.
function actionHtml(o) {
  // A database index (db_index): built by Apply; dropped by Roll back, offered while it is validated or when validation
  // found no improvement. A failed build is proposed again by the advisor's next pass.
  if (o.type === 'db_index') {
    if (o.status === 'proposed') return '<div class="iss-actions"><button type="button" id="opt-apply" class="btn">Build the index</button></div>';
    var unhelpful = o.impact && o.impact.verdict !== 'improved';
    return o.status === 'applied' || (o.status === 'validated' && unhelpful)
      ? '<div class="iss-actions"><button type="button" id="opt-rollback" class="btn">Drop the index</button></div>' : '';
  }
  if (!o.policy_change) {
    return o.appliedAt === null ? '<div class="iss-actions"><button type="button" id="opt-apply" class="btn">Applied now</button></div>' : '';
  }
  if (o.status === 'proposed' || o.status === 'rolled_back') {
    return '<div class="iss-actions"><button type="button" id="opt-apply" class="btn">Apply</button></div>';
  }
  return '<div class="iss-actions"><button type="button" id="opt-rollback" class="btn">Roll back</button></div>';
}

// What an edge optimization changes in the edge policy, the version it published and its rollback.
function edgeHtml(o) {
  if (!o.policy_change) return '';
  if (o.type === 'db_index') {
    var c = o.policy_change;
    return '<div class="opt-edge"><h2>Database index <small>database ' + esc(c.database) + '</small></h2>' +
      '<pre id="opt-policy-change" class="code">' + esc(c.create) + '</pre>' +
      (o.rollback_reason ? '<p id="opt-rollback-reason"><b>' + esc(o.status === 'failed' ? 'Failed' : 'Dropped') + '</b> ' +
        esc(fmtWhen(o.rolled_back_at)) + ': ' + esc(o.rollback_reason) + '</p>' : '') + '</div>';
  }
  return '<div class="opt-edge"><h2>Edge policy change' + (o.policy_version ? ' <small>published as version ' + esc(o.policy_version) +
    ' (replacing ' + esc(o.previous_version) + ')</small>' : '') + '</h2>' +
    '<pre id="opt-policy-change" class="code">' + esc(JSON.stringify(o.policy_change, null, 2)) + '</pre>' +
    (o.status === 'rolled_back' ? '<p id="opt-rollback-reason"><b>Rolled back</b> ' + esc(fmtWhen(o.rolled_back_at)) + ': ' +
      esc(o.rollback_reason || '') + '</p>' : '') + '</div>';
}

// The route's p95 from an hour before the change to an hour after (or now), the change as a marker.
function chart(ctx, o) {
  var el = $('opt-chart');
  if (!el) return null;
  var center = isNum(o.appliedAt) ? o.appliedAt : Date.now();
  var from = o.impact ? o.impact.before_from : center - H, to = o.impact ? o.impact.after_to : Math.min(Date.now(), center + H);
  if (to <= from) to = from + 60e3;
  var step = Math.max(60, Math.ceil((to - from) / 1000 / 60 / 60) * 60);
  var where = [['where', 'route=' + o.route]];
  if (o.service) where.push(['where', 'service=' + o.service]);
  var w = { from: from, to: to };
  return Promise.all([
    api('/api/v1/query', [['metric', 'http.server.duration'], ['stat', 'p95'], ['from', from], ['to', to], ['step', step + 's']].concat(where)),
    deployMarkers(w, o.service)
  ]).then(function (r) {
    if (!current(ctx)) return;
    var s = r[0].series && r[0].series[0];
    var markers = r[1].slice();
    if (isNum(o.appliedAt)) markers.push({ t: o.appliedAt, label: 'applied: ' + o.description, kind: 'optimization' });
    render(el, [{ name: 'p95', points: s ? s.points || [] : [] }], {
      unit: 'ms', from: from, to: to, step: step * 1000, height: 240, legend: false, markers: markers,
      emptyText: 'No requests for this route around the change'
    });
  }, function (e) {
    ctx.errors.push(errorText('Route p95', e));
    if (current(ctx)) render(el, [], { emptyText: 'Query failed: see the error above' });
  });
}

var optimizationsPage = {
  enter: function () {
    $('opt-list-view').hidden = !!state.arg;
    $('opt-view').hidden = !state.arg;
  },
  refresh: function (ctx) {
    if (!state.arg) {
      return api('/api/v1/optimizations').then(function (res) { if (current(ctx)) renderList(res); }, function (e) {
        ctx.errors.push(errorText('Optimizations', e));
        if (current(ctx)) { var tb = $('opt-table').querySelector('tbody'); failRow(tb, 6, 'Failed to load: see the error above'); tb.__sig = null; }
      });
    }
    var box = $('opt-view'), id = state.arg;
    return api('/api/v1/optimizations/' + encodeURIComponent(id)).then(function (o) {
      if (!current(ctx)) return;
      box.setAttribute('data-opt-id', String(o.id));
      var html = detailHtml(o);
      // The chart lives inside the view: rebuild it only when the view changed.
      if (box.__sig !== html) { box.innerHTML = html; box.__sig = html; }
      return chart(ctx, o);
    }, function (e) {
      ctx.errors.push(errorText('Optimization ' + id, e));
      if (!current(ctx)) return;
      box.removeAttribute('data-opt-id');
      setHtml(box, '<a id="opt-back" class="crumb" href="#/optimizations">← Optimizations</a><h1>Optimization ' + esc(id) + '</h1>' +
        '<div class="card empty"><p>' + (e && e.status === 404 ? 'There is no optimization with this id.' : 'It could not be loaded: see the error above.') + '</p></div>');
    });
  }
};

optimizationsPage.init = function () {
  bindRowLinks($('opt-table').querySelector('tbody'));
  $('opt-view').addEventListener('click', function (e) {
    var button = e.target.closest('#opt-apply, #opt-rollback');
    if (!button) return;
    var id = $('opt-view').getAttribute('data-opt-id');
    var rollback = button.id === 'opt-rollback';
    button.disabled = true;
    send('POST', '/api/v1/optimizations/' + encodeURIComponent(id) + (rollback ? '/rollback' : '/apply')).then(function () {
      $('opt-view').__sig = null;
      refresh();
    }, function (err) {
      $('opt-view').__sig = null;
      reportError(rollback ? 'Could not roll back' : 'Could not apply', err);
    });
  });
};

export default optimizationsPage;
