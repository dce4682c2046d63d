/* Perfwatch dashboard: the Load Tests page (runs pushed by `perfwatch load --server`).
 *   #/loadtests                 the runs, newest first; tick two and Compare
 *   #/loadtests/ID              one run: headline, thresholds, per-request table, per-second
 *                               charts overlaid with the server-side latency of the routes it asked for, in its window
 *   #/loadtests?compare=A,B     A (baseline) against B (candidate), per request name
 * The report format is docs/formats/load-run.md. Runs never change, so a run or a comparison is
 * fetched once; live refreshes only redraw what changed. */
import { api, errorText } from './api.js';
import { render } from './chart.js';
import { $, bindRowLinks, failRow, setHtml, showEmpty } from './dom.js';
import { ago, esc, fmtInt, fmtMs, fmtPct, fmtPValue, formatTime, isNum } from './format.js';
import { current, state } from './router.js';
import { seriesName } from './timeseries.js';

var STEPS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600]; // seconds, multiples of the rollups
var PCTS = [50, 95, 99];

function runLink(id) { return '#/loadtests/' + encodeURIComponent(id); }
function compareLink(a, b) { return '#/loadtests?compare=' + encodeURIComponent(a) + ',' + encodeURIComponent(b); }
function fmtRate(v) {
  if (!isNum(v)) return '—';
  return String(v >= 100 ? Math.round(v) : v >= 1 ? +(+v).toFixed(1) : +(+v).toPrecision(2)) + '/s';
}
function fmtDur(ms) {
  if (!isNum(ms)) return '—';
  var s = ms / 1000;
  if (s < 60) return +s.toFixed(s < 10 ? 1 : 0) + ' s';
  var m = Math.floor(s / 60), r = Math.round(s - m * 60);
  if (m < 60) return m + 'm' + (r ? ' ' + r + 's' : '');
  return Math.floor(m / 60) + 'h' + (m % 60 ? ' ' + (m % 60) + 'm' : '');
}
function fmtChange(f) {
  if (!isNum(f)) return '—';
  var p = f * 100, a = Math.abs(p);
  return (p > 0 ? '+' : p < 0 ? '−' : '±') + (a >= 100 ? Math.round(a) : a >= 10 ? a.toFixed(1) : a.toFixed(2)) + '%';
}
function exact(ms) { return isNum(ms) ? formatTime(ms, true) : ''; }
function passMark(p) {
  return p === true ? '<span class="lt-pass" data-passed="true" title="All thresholds passed">✓</span>'
    : p === false ? '<span class="lt-fail" data-passed="false" title="A threshold failed">✗</span>' : '—';
}
function parseCompare() {
  var v = state.params.get('compare');
  if (!v) return null;
  var p = v.split(',').map(function (x) { return x.trim(); }).filter(Boolean);
  return p.length === 2 ? p : null;
}

// ---- runs list ------------------------------------------------------------------

var picked = []; // run ids ticked for Compare, oldest tick first (at most two)

function renderList(runs) {
  var tbody = $('lt-runs').querySelector('tbody');
  picked = picked.filter(function (id) { return runs.some(function (r) { return String(r.id) === id; }); });
  if (!runs.length) setHtml(tbody, '<tr class="empty-row"><td colspan="10">No load runs yet</td></tr>');
  else setHtml(tbody, runs.map(function (r) {
    var id = String(r.id), href = runLink(id); // ticks are set by syncPicked, so picking never re-renders
    return '<tr class="lt-run-row" data-run-id="' + esc(id) + '" data-href="' + esc(href) + '">' +
      '<td class="pick"><input type="checkbox" class="lt-pick" value="' + esc(id) + '" aria-label="Pick run ' + esc(id) +
      ' to compare"></td>' +
      '<td class="txt lt-name"><a href="' + esc(href) + '">' + esc(r.name || '(unnamed)') + '</a> <span class="muted">#' + esc(id) + '</span></td>' +
      '<td class="lt-start" title="' + esc(exact(r.startMs)) + '">' + esc(ago(r.startMs)) + '</td>' +
      '<td>' + esc(fmtDur(r.endMs - r.startMs)) + '</td>' +
      '<td>' + fmtInt(r.requests) + '</td>' +
      '<td>' + esc(fmtRate(r.rate)) + '</td>' +
      '<td>' + esc(fmtMs(r.p95)) + '</td>' +
      '<td class="' + (r.errors ? 'status-crit' : '') + '">' + fmtInt(r.errors) + '</td>' +
      '<td class="lt-passed">' + passMark(r.passed) + '</td></tr>';
  }).join(''));
  syncPicked();
}

function syncPicked() {
  var btn = $('lt-compare-btn'), n = picked.length;
  btn.disabled = n !== 2;
  $('lt-pick-hint').textContent = n === 2 ? 'Run #' + picked[0] + ' is the baseline' : 'Tick two runs to compare them (' + n + '/2)';
  $('lt-runs').querySelectorAll('input.lt-pick').forEach(function (c) { c.checked = picked.indexOf(c.value) >= 0; });
}

// ---- one run ----------------------------------------------------------------------

function latencyCells(l) {
  l = l || {};
  return ['p50', 'p90', 'p95', 'p99', 'max'].map(function (k) { return '<td>' + esc(fmtMs(l[k])) + '</td>'; }).join('');
}
function requestRow(q, total) {
  var kinds = Object.keys(q.errorsByKind || {}).map(function (k) { return k + ': ' + q.errorsByKind[k]; }).join(', ');
  return '<tr class="lt-req-row' + (total ? ' is-total' : '') + '" data-request="' + esc(q.name) + '">' +
    '<td class="txt">' + esc(total ? 'All requests' : q.name) + '</td><td>' + fmtInt(q.count) + '</td><td>' + esc(fmtRate(q.rate)) + '</td>' +
    latencyCells(q.latency) + '<td class="lt-errors' + (q.errors ? ' status-crit' : '') + '"' + (kinds ? ' title="' + esc(kinds) + '"' : '') + '>' +
    fmtInt(q.errors) + (q.errors && q.count ? ' <span class="sub">' + esc(fmtPct(q.errors / q.count)) + '</span>' : '') + '</td></tr>';
}
function thresholdValue(name, v) {
  if (!isNum(v)) return '—';
  return /rate/.test(name) ? fmtPct(v) : fmtMs(v);
}
function planned(s) {
  if (!s) return '';
  if (s.mode === 'closed') return fmtInt(s.concurrency) + ' users back to back';
  var ph = s.phases || [];
  if (!ph.length) return '';
  return ph.map(function (p) {
    return fmtRate(p.arrivalRate) + (isNum(p.rampTo) ? ' → ' + fmtRate(p.rampTo) : '') + ' for ' + fmtDur(p.durationMs);
  }).join(', then ');
}

function runHtml(id, rep, prev) {
  var tot = rep.total || {}, lat = tot.latency || {}, un = tot.uncorrected || {}, s = rep.settings || {};
  var tile = function (key, label, value, sub) {
    return '<div class="tile lt-tile" data-stat="' + key + '"><div class="tile-label">' + label + '</div><div class="tile-value">' +
      value + '</div><div class="tile-status muted">' + (sub || '') + '</div></div>';
  };
  var lrow = function (label, l, cls) {
    return '<tr class="' + cls + '"><th class="txt">' + label + '</th>' + PCTS.map(function (p) {
      return '<td data-p="p' + p + '">' + esc(fmtMs(l['p' + p])) + '</td>';
    }).join('') + '</tr>';
  };
  var ths = rep.thresholds || [];
  return '<div class="page-head"><h1 id="lt-run-title">' + esc(rep.name || '(unnamed)') + ' <span class="muted">#' + esc(id) + '</span></h1>' +
    '<span id="lt-run-status" class="badge ' + (rep.passed === false ? 'badge-error' : 'badge-ok') + '" data-passed="' + (rep.passed !== false) + '">' +
    (rep.passed === false ? 'failed' : 'passed') + '</span>' +
    (rep.interrupted ? '<span class="badge badge-warn" title="Stopped by Ctrl-C">interrupted</span>' : '') +
    '<a class="more" href="#/loadtests">← All runs</a>' +
    (prev ? '<a id="lt-compare-prev" class="more" href="' + esc(compareLink(prev.id, id)) + '">Compare with the previous run #' + esc(prev.id) + ' →</a>' : '') +
    '</div>' +
    '<div class="lt-facts muted"><span><b>Started</b> ' + esc(exact(rep.startMs)) + '</span><span><b>Duration</b> ' + esc(fmtDur(rep.endMs - rep.startMs)) +
    '</span><span><b>Target</b> <code>' + esc(s.target || '—') + '</code></span><span><b>Mode</b> ' + esc(s.mode || '—') +
    (planned(s) ? ' · ' + esc(planned(s)) : '') + '</span></div>' +
    '<div class="tiles lt-tiles">' +
    tile('requests', 'Requests', fmtInt(tot.count), fmtInt(tot.errors) + ' errors · ' + fmtInt(rep.iterations) + ' iterations') +
    tile('rate', 'Achieved rate', esc(fmtRate(isNum(rep.achievedArrivalRate) ? rep.achievedArrivalRate : tot.rate)),
      (isNum(rep.achievedArrivalRate) ? 'iterations started · ' : '') + esc(fmtRate(tot.rate)) + ' requests') +
    tile('dropped', 'Dropped', fmtInt(rep.dropped), fmtInt(rep.abandoned) + ' abandoned at the end') +
    '<div class="tile lt-tile lt-lat-tile" data-stat="latency"><div class="tile-label">Latency</div><table id="lt-latency" class="lt-lat">' +
    '<thead><tr><th></th>' + PCTS.map(function (p) { return '<th>p' + p + '</th>'; }).join('') + '</tr></thead><tbody>' +
    lrow('corrected', lat, 'lt-corrected') + lrow('uncorrected', un, 'lt-uncorrected') + '</tbody></table></div></div>' +
    '<p class="muted lt-note">Corrected latency counts from when each request was due, so time spent waiting because the server stalled ' +
    'is included (wrk2-style, no coordinated omission); uncorrected counts from when it was sent.</p>' +
    '<div class="grid2 lt-grid"><div class="card table-card"><div class="card-head pad"><h2>Thresholds <small>on all requests, corrected</small></h2></div>' +
    '<table id="lt-thresholds" class="table"><thead><tr><th class="txt">Threshold</th><th>Limit</th><th>Actual</th><th>Result</th></tr></thead><tbody>' +
    (ths.length ? ths.map(function (t) {
      return '<tr class="lt-th-row" data-threshold="' + esc(t.name) + '" data-passed="' + (t.passed === true) + '"><td class="txt">' + esc(t.name) + '</td><td>' +
        esc(thresholdValue(t.name, t.limit)) + '</td><td>' + esc(thresholdValue(t.name, t.actual)) + '</td><td>' +
        (t.passed ? '<span class="badge badge-ok">pass</span>' : '<span class="badge badge-error">fail</span>') + '</td></tr>';
    }).join('') : '<tr class="empty-row"><td colspan="4">No thresholds set (<code>thresholds:</code> in the scenario config)</td></tr>') +
    '</tbody></table></div>' +
    '<div class="card"><h2>Throughput <small>per second of the run</small></h2><div id="lt-rate-chart" class="chart"></div></div></div>' +
    '<div class="card table-card"><table id="lt-requests" class="table"><thead><tr><th class="txt">Request</th><th>Count</th><th>Rate</th>' +
    '<th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>Max</th><th>Errors</th></tr></thead><tbody>' +
    (rep.requests || []).map(function (q) { return requestRow(q, false); }).join('') +
    ((rep.requests || []).length !== 1 && rep.total ? requestRow(rep.total, true) : '') + '</tbody></table></div>' +
    '<div class="card"><h2>Latency: load generator vs server <small>client p95/p99 (corrected) · server http.server.duration p95 by route</small></h2>' +
    '<div id="lt-latency-chart" class="chart"></div><p id="lt-server-note" class="muted lt-note"></p></div>';
}

function clientSeries(rep) {
  // Point t covers the second ending t ms after the start: draw it mid-second.
  var pts = function (k) { return (rep.series || []).map(function (p) { return [rep.startMs + Math.max(0, p.t - 500), isNum(p[k]) ? +p[k] : null]; }); };
  return {
    rate: [{ name: 'requests/s', points: pts('requests'), color: '#2563eb' }, { name: 'errors/s', points: pts('errors'), color: '#dc2626' }],
    latency: [{ name: 'client p95', points: pts('p95'), color: '#7c3aed' }, { name: 'client p99', points: pts('p99'), color: '#db2777' }]
  };
}

// The server query's window: the run, widened to whole rollup buckets.
function serverWindow(rep) {
  var span = Math.max(1000, rep.endMs - rep.startMs), step = STEPS[STEPS.length - 1];
  for (var i = 0; i < STEPS.length; i++) if (STEPS[i] * 1000 >= span / 120) { step = STEPS[i]; break; }
  var ms = step * 1000;
  return { from: Math.floor(rep.startMs / ms) * ms, to: Math.max(Math.ceil(rep.endMs / ms) * ms, Math.floor(rep.startMs / ms) * ms + ms), step: step };
}

// Each server bucket becomes a flat segment over the part of the run it covers.
function serverSeries(res, rep, w) {
  var SERVER_COLORS = ['#16a34a', '#d97706', '#0891b2', '#65a30d', '#ea580c', '#0d9488', '#4f46e5', '#a16207'];
  return (res.series || []).map(function (s, i) {
    var pts = [];
    (s.points || []).forEach(function (p) {
      if (!isNum(p[1])) return;
      var a = Math.max(p[0], rep.startMs), b = Math.min(p[0] + w.step * 1000, rep.endMs);
      if (b < a) return;
      pts.push([a, +p[1]]);
      if (b > a) pts.push([b, +p[1]]);
    });
    var route = (s.tags || {}).route;
    return { name: 'server p95 · ' + (route ? route : seriesName(s.tags, 'all routes')), points: pts, route: route || '',
      color: SERVER_COLORS[i % SERVER_COLORS.length] };
  }).filter(function (s) { return s.points.length; });
}

// The paths a run asked for: quick mode's URL, request names like "GET /courses/7", a scenario's `url:` lines.
function runPaths(rep) {
  var paths = {};
  function add(u) {
    var m = /^(?:https?:\/\/[^\/\s]+)?(\/[^\s?#"']*)/.exec(u || '');
    if (m) paths[m[1]] = true;
  }
  (rep.requests || []).forEach(function (r) { var m = /^[A-Z]+ (\S+)/.exec(r.name || ''); if (m) add(m[1]); });
  ((rep.scenario || '').match(/url:\s*["']?[^\s"'}]+/g) || []).forEach(function (l) { add(l.replace(/^url:\s*["']?/, '')); });
  return Object.keys(paths);
}

// A server route covers a path: same segments, where a `:name` (or `{{…}}` in the path) stands for any one.
function routeCovers(route, path) {
  var r = route.split('/'), p = path.split('/');
  if (r.length !== p.length) return false;
  return r.every(function (seg, i) { return seg === p[i] || seg.charAt(0) === ':' || /^\{\{.*\}\}$/.test(p[i]); });
}

// ---- comparison -----------------------------------------------------------------------

function runLabel(r, id) {
  return '<a href="' + esc(runLink(id)) + '">#' + esc(id) + (r ? ' ' + esc(r.name || '') : '') + '</a>' +
    (r ? ' <span class="muted" title="' + esc(exact(r.startMs)) + '">' + esc(ago(r.startMs)) + '</span>' : '');
}

function compareHtml(res, runs, a, b) {
  var byId = {};
  (runs || []).forEach(function (r) { byId[String(r.id)] = r; });
  var reqs = res.requests || [], named = reqs.filter(function (q) { return q.name !== 'all'; });
  // "all" only repeats the one request when both runs had just that one.
  var same = function (x, y) { return x && y && x.baselineCount === y.baselineCount && x.candidateCount === y.candidateCount; };
  if (named.length === 1 && reqs.every(function (q) { return q === named[0] || same(q.comparison, named[0].comparison); })) reqs = named;
  var body = reqs.map(function (q) {
    var c = q.comparison || {}, mw = c.mannWhitney, pc = c.percentiles || [], n = pc.length || 1;
    var mwCell = '<td class="lt-mw" rowspan="' + n + '" data-p-value="' + (mw && isNum(mw.pValue) ? mw.pValue : '') + '">' + (mw ?
      '<span class="lt-pvalue">p = ' + esc(fmtPValue(mw.pValue)) + '</span> ' + sigBadge(mw.significant, 'Mann–Whitney U ' + (+mw.u).toFixed(1) +
        ', z ' + (+mw.z).toFixed(2) + '; p < 0.05 means the distributions differ') +
      (isNum(mw.probabilityCandidateSlower) ? '<span class="sub">P(B slower) ' + esc(fmtPct(mw.probabilityCandidateSlower)) + '</span>' : '')
      : '<span class="muted" title="Too few samples for the test">—</span>') + '</td>';
    return '<tbody class="lt-cmp-group" data-request="' + esc(q.name) + '">' + (pc.length ? pc.map(function (x, i) {
      var ch = x.relativeChange, dir = !isNum(ch) || ch === 0 ? 'same' : ch > 0 ? 'slower' : 'faster';
      return '<tr class="lt-cmp-row" data-request="' + esc(q.name) + '" data-percentile="' + esc(x.percentile) + '">' +
        (i === 0 ? '<td class="txt lt-cmp-name" rowspan="' + n + '">' + esc(q.name === 'all' ? 'All requests' : q.name) +
          '<span class="sub">' + fmtInt(c.baselineCount) + ' → ' + fmtInt(c.candidateCount) + ' requests</span></td>' : '') +
        '<td class="lt-pct">p' + esc(x.percentile) + '</td><td title="' + esc(interval(x.baselineInterval)) + '">' + esc(fmtMs(x.baseline)) + '</td>' +
        '<td title="' + esc(interval(x.candidateInterval)) + '">' + esc(fmtMs(x.candidate)) + '</td>' +
        '<td class="lt-change lt-' + dir + '" data-direction="' + dir + '">' + esc(fmtChange(ch)) + '</td>' +
        '<td class="lt-sig">' + sigBadge(x.significant, '95% confidence intervals ' + (x.significant ? 'do not overlap' : 'overlap') +
          ': A ' + interval(x.baselineInterval) + ', B ' + interval(x.candidateInterval)) + '</td>' +
        (i === 0 ? mwCell : '') + '</tr>';
    }).join('') : '<tr class="lt-cmp-row" data-request="' + esc(q.name) + '"><td class="txt">' + esc(q.name) +
      '</td><td colspan="5" class="muted">not in both runs</td>' + mwCell + '</tr>') + '</tbody>';
  }).join('');
  return '<div class="page-head"><h1>Compare load runs</h1><a class="more" href="#/loadtests">← All runs</a>' +
    '<a id="lt-swap" class="more" href="' + esc(compareLink(b, a)) + '">Swap A and B</a></div>' +
    '<div class="lt-facts"><span><b>A</b> (baseline) ' + runLabel(byId[a], a) + '</span><span><b>B</b> (candidate) ' + runLabel(byId[b], b) + '</span></div>' +
    '<div class="card table-card"><table id="lt-compare-table" class="table lt-cmp"><thead><tr><th class="txt">Request</th><th class="txt">Percentile</th>' +
    '<th>A</th><th>B</th><th>Change</th><th>Percentile shift</th><th>Mann–Whitney</th></tr></thead>' +
    (body || '<tbody><tr class="empty-row"><td colspan="7">No request names in common</td></tr></tbody>') + '</table></div>' +
    '<p class="muted lt-note">Change is B against A: <span class="lt-slower">red is slower</span>, <span class="lt-faster">green is faster</span>. ' +
    'A percentile shift is significant when the 95% confidence intervals of A and B do not overlap; the Mann–Whitney U test compares the whole ' +
    'latency distributions (significant when p &lt; 0.05; with many requests even small shifts are).</p>';
}
function interval(iv) {
  if (!iv) return '?';
  return '[' + (isNum(iv.lower) ? fmtMs(iv.lower) : '…') + ', ' + (isNum(iv.upper) ? fmtMs(iv.upper) : 'open') + ']';
}
function sigBadge(sig, title) {
  return sig ? '<span class="badge badge-sig" data-significant="true" title="' + esc(title) + '">significant</span>'
    : '<span class="badge lt-ns" data-significant="false" title="' + esc(title) + '">not significant</span>';
}

// ---- page -----------------------------------------------------------------------------

var loadTestsPage = {
  runs: null,     // the last list
  reports: {},    // id -> report
  compares: {},   // "a,b" -> comparison
  mode: function () { return state.arg ? 'run' : parseCompare() ? 'compare' : 'list'; },
  enter: function () {
    var m = this.mode();
    $('lt-list-view').hidden = m !== 'list';
    $('lt-run-view').hidden = m !== 'run';
    $('lt-compare-view').hidden = m !== 'compare';
    if (state.params.get('compare') && !parseCompare()) $('lt-list-view').hidden = false;
  },
  listRuns: function () {
    var self = this;
    return api('/api/v1/load-runs').then(function (res) { self.runs = res.runs || []; return self.runs; });
  },
  refresh: function (ctx) {
    var m = this.mode();
    if (m === 'run') return this.refreshRun(ctx, state.arg);
    if (m === 'compare') return this.refreshCompare(ctx, parseCompare());
    if (state.params.get('compare')) ctx.errors.push('Compare: give two run ids, e.g. #/loadtests?compare=1,2');
    return this.refreshList(ctx);
  },
  refreshList: function (ctx) {
    return this.listRuns().then(function (runs) {
      if (!current(ctx)) return;
      renderList(runs);
      var n = runs.length, fails = runs.filter(function (r) { return r.passed === false; }).length;
      $('lt-meta').textContent = n ? n + (n === 1 ? ' run' : ' runs') + (fails ? ' · ' + fails + ' failed' : '') : '';
      showEmpty('lt-empty', n ? '' : '<p>No load runs yet. Run a load test and push its report to this server:</p>' +
        '<pre>perfwatch load --url http://localhost:8080/ --rate 50/s --duration 30s --server ' + esc(location.origin) + '</pre>' +
        '<p>or with a scenario file: <code>perfwatch load checkout.yml --server ' + esc(location.origin) + '</code>.</p>');
    }, function (e) {
      ctx.errors.push(errorText('Load runs', e));
      if (!current(ctx)) return;
      failRow($('lt-runs').querySelector('tbody'), 10, 'Failed to load the runs: see the error above');
      $('lt-runs').querySelector('tbody').__sig = null;
      $('lt-meta').textContent = '';
      showEmpty('lt-empty', '');
    });
  },
  refreshRun: function (ctx, id) {
    var self = this, box = $('lt-run-view');
    var got = self.reports[id] ? Promise.resolve(self.reports[id]) : api('/api/v1/load-runs/' + encodeURIComponent(id)).then(function (res) {
      return (self.reports[id] = res.report || {});
    });
    var runs = self.runs ? Promise.resolve(self.runs) : self.listRuns().catch(function () { return []; });
    return Promise.all([got, runs]).then(function (r) {
      if (!current(ctx)) return;
      var rep = r[0], list = r[1], prev = null;
      // The previous run of the same name, for a one-click comparison.
      list.forEach(function (x) { if (!prev && x.name === rep.name && x.startMs < rep.startMs && String(x.id) !== String(id)) prev = x; });
      if (box.getAttribute('data-run-id') !== String(id) || box.__prev !== (prev && prev.id)) {
        box.innerHTML = runHtml(id, rep, prev);
        box.setAttribute('data-run-id', String(id));
        box.__prev = prev && prev.id;
        box.__serverSig = null;
        var cs = clientSeries(rep);
        render($('lt-rate-chart'), cs.rate, { unit: '/s', from: rep.startMs, to: rep.endMs, step: 1000, height: 200,
          emptyText: 'No per-second samples in this run' });
        box.__client = cs.latency;
      }
      return self.refreshServer(ctx, rep, box);
    }, function (e) {
      ctx.errors.push(errorText('Load run ' + id, e));
      if (!current(ctx)) return;
      box.removeAttribute('data-run-id');
      box.innerHTML = '<div class="page-head"><h1>Load run #' + esc(id) + '</h1><a class="more" href="#/loadtests">← All runs</a></div>' +
        '<div class="card empty"><p>' + (e && e.status === 404 ? 'There is no load run with this id.' : 'The run could not be loaded: see the error above.') + '</p></div>';
    });
  },
  refreshServer: function (ctx, rep, box) {
    var w = serverWindow(rep);
    var draw = function (server, note) {
      var sig = JSON.stringify(server) + note;
      if (box.__serverSig === sig) return;
      box.__serverSig = sig;
      render($('lt-latency-chart'), box.__client.concat(server), { unit: 'ms', from: rep.startMs, to: rep.endMs, height: 240,
        emptyText: 'No latency samples in this run' });
      $('lt-server-note').innerHTML = note;
      // The queried window, so a test (or a curious user) can ask the API the same question.
      $('lt-latency-chart').setAttribute('data-server-window', w.from + ',' + w.to + ',' + w.step);
      $('lt-latency-chart').setAttribute('data-server-routes', String(server.length));
    };
    return api('/api/v1/query', [['metric', 'http.server.duration'], ['stat', 'p95'], ['from', w.from], ['to', w.to],
      ['step', w.step + 's'], ['by', 'route']]).then(function (res) {
      if (!current(ctx)) return;
      // Only the routes the run asked for: another service's or another page's latency would read as this run's.
      var paths = runPaths(rep);
      var server = serverSeries(res, rep, w).filter(function (s) {
        return paths.some(function (p) { return routeCovers(s.route, p); });
      });
      $('lt-latency-chart').setAttribute('data-run-paths', paths.join(' '));
      draw(server, server.length
        ? 'Server side: p95 of <code>http.server.duration</code> per ' + w.step + ' s bucket for ' + server.length +
          (server.length === 1 ? ' route' : ' routes') + ' (' + server.map(function (s) { return '<code class="lt-route">' + esc(s.route || '(none)') + '</code>'; }).join(', ') +
          '), from the OpenTelemetry spans this Perfwatch received in the run\'s window.'
        : '<span id="lt-no-server">No server-side latency for this run\'s paths (' + (paths.length ? paths.map(function (p) {
          return '<code>' + esc(p) + '</code>'; }).join(', ') : 'none named') + ') in its window: the target is not instrumented with ' +
          'OpenTelemetry, or does not send its spans to this Perfwatch (point its OTLP exporter at <code>' + esc(location.origin) +
          '</code>).</span>');
    }, function (e) {
      ctx.errors.push(errorText('Server-side latency', e));
      if (current(ctx)) draw([], 'Server-side latency unavailable: see the error above.');
    });
  },
  refreshCompare: function (ctx, pair) {
    var self = this, key = pair.join(','), box = $('lt-compare-view');
    var got = self.compares[key] ? Promise.resolve(self.compares[key])
      : api('/api/v1/load-runs/compare', [['a', pair[0]], ['b', pair[1]]]).then(function (res) { return (self.compares[key] = res); });
    var runs = self.listRuns().catch(function () { return self.runs || []; });
    return Promise.all([got, runs]).then(function (r) {
      if (!current(ctx)) return;
      setHtml(box, compareHtml(r[0], r[1], pair[0], pair[1]));
    }, function (e) {
      ctx.errors.push(errorText('Compare runs ' + pair.join(' and '), e));
      if (current(ctx)) setHtml(box, '<div class="page-head"><h1>Compare load runs</h1><a class="more" href="#/loadtests">← All runs</a></div>' +
        '<div class="card empty"><p>The comparison could not be loaded: see the error above.</p></div>');
    });
  }
};

loadTestsPage.init = function () {
  var runs = $('lt-runs').querySelector('tbody');
  bindRowLinks(runs, 'a, button, td.pick');
  runs.addEventListener('click', function (e) {
    var c = e.target.closest('input.lt-pick');
    if (!c) return;
    var id = c.value, i = picked.indexOf(id);
    if (c.checked && i < 0) { picked.push(id); if (picked.length > 2) picked.shift(); }
    if (!c.checked && i >= 0) picked.splice(i, 1);
    syncPicked();
  });
  $('lt-compare-btn').addEventListener('click', function () {
    if (picked.length !== 2) return;
    var start = {};
    (loadTestsPage.runs || []).forEach(function (r) { start[String(r.id)] = r.startMs; });
    var p = picked.slice().sort(function (x, y) { return (start[x] || 0) - (start[y] || 0); }); // older run = baseline
    location.hash = compareLink(p[0], p[1]);
  });
};

export default loadTestsPage;
