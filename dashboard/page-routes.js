/* Perfwatch dashboard: the Routes page: every route's requests, rate, latency percentiles, errors,
 * a p95 sparkline and a trend badge in the p95 cell (arrow: a significant Theil–Sen slope up or
 * down, else flat; and the change against the previous period of equal length).
 * API: GET /api/v1/routes, GET /api/v1/query, GET /api/v1/trends. */
import { api, errorText } from './api.js';
import { otlpHelp, routeLink, withRps } from './apm.js';
import { $, bindRowLinks, failRow, showEmpty } from './dom.js';
import { esc, fmtInt, fmtMs, fmtPct, fmtRps, fmtWhen, isNum } from './format.js';
import { current, setParam, state, timeWindow, writeHash } from './router.js';
import { bindSort, markSorted, sortList, sortSpec } from './sort.js';

// Inline p95 sparkline; x spans the whole range so rows compare at a glance.
function sparkline(points, from, to) {
  var W = 120, H = 26, pts = (points || []).filter(function (p) { return isNum(p[1]); });
  var max = 0;
  pts.forEach(function (p) { if (p[1] > max) max = p[1]; });
  var d = pts.map(function (p, i) {
    var x = Math.max(1, Math.min(W - 1, 1 + (p[0] - from) / (to - from || 1) * (W - 2)));
    var y = H - 2 - (max ? p[1] / max : 0) * (H - 5);
    return (i ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
  }).join('');
  if (pts.length === 1) d += 'm-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0';
  return '<svg class="spark" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H +
    '" data-point-count="' + pts.length + '" aria-hidden="true">' + (d ? '<path d="' + d + '"/>' : '') + '</svg>';
}

function trendBadge(t) {
  var dir = t.direction || 'flat', arrow = dir === 'up' ? '↑' : dir === 'down' ? '↓' : '→';
  var change = isNum(t.changePct) ? (t.changePct > 0 ? '+' : '') + Math.round(t.changePct) + '%' : '';
  var title = 'p95 slope ' + (isNum(t.slopePerHour) ? (Math.round(t.slopePerHour * 10) / 10) + ' ms/h' : 'n/a') +
    (change ? '; ' + change + ' vs the previous period' : '') +
    (isNum(t.forecastCrossing) && dir === 'up' ? '; reaches the SLO threshold ' + fmtWhen(t.forecastCrossing) : '');
  return '<span class="trend-badge trend-' + dir + '" data-trend="' + dir + '" title="' + esc(title) + '">' + arrow +
    (change ? ' ' + esc(change) : '') + '</span>';
}

// The p95 trend of each route, keyed service \u0001 route; {} (no badges) when the API fails.
function fetchTrends(ctx, w) {
  return api('/api/v1/trends', [['metric', 'p95'], ['from', w.from], ['to', w.to]]).then(function (res) {
    var map = {};
    (res.trends || []).forEach(function (x) { map[x.service + '\u0001' + x.route] = x; });
    return map;
  }, function (e) { ctx.errors.push(errorText('Trends', e)); return {}; });
}

var routesPage = {
  data: null,
  sparks: {},
  trends: {},
  window: null,
  render: function () {
    var table = $('routes-table'), tbody = table.querySelector('tbody'), spec = sortSpec('-requests');
    markSorted(table, spec);
    if (!this.data) return;
    var q = (state.params.get('q') || '').toLowerCase(), w = this.window, sparks = this.sparks, trends = this.trends;
    var rows = sortList(this.data.filter(function (r) {
      return !q || (r.service + ' ' + r.route).toLowerCase().indexOf(q) >= 0;
    }), spec);
    $('routes-meta').textContent = rows.length + (rows.length === this.data.length ? '' : ' of ' + this.data.length) +
      (this.data.length === 1 ? ' route' : ' routes');
    if (!rows.length) {
      failRow(tbody, 9, this.data.length ? 'No route matches the filter' : 'No requests in this time range');
      return;
    }
    tbody.innerHTML = rows.map(function (r) {
      var href = routeLink(r.service, r.route), er = r.errorRate || 0, trend = trends[r.service + '\u0001' + r.route];
      return '<tr class="route-row" data-service="' + esc(r.service) + '" data-route="' + esc(r.route) + '" data-href="' + esc(href) + '">' +
        '<td class="txt">' + esc(r.service) + '</td>' +
        '<td class="txt"><a class="route-link" href="' + esc(href) + '">' + esc(r.route || '(no route)') + '</a></td>' +
        '<td>' + fmtInt(r.requests) + '</td><td>' + fmtRps(r.rps) + '</td>' +
        '<td>' + esc(fmtMs(r.p50)) + '</td><td>' + esc(fmtMs(r.p95)) + (trend ? ' ' + trendBadge(trend) : '') + '</td><td>' + esc(fmtMs(r.p99)) + '</td>' +
        '<td class="' + (er >= 0.05 ? 'status-crit' : er > 0 ? 'status-warn' : '') + '">' + fmtPct(er) + '</td>' +
        '<td class="spark-col">' + sparkline(sparks[r.service + '\u0001' + r.route], w.from, w.to) + '</td></tr>';
    }).join('');
  },
  refresh: function (ctx) {
    var self = this, w = timeWindow(), range = [['from', w.from], ['to', w.to]];
    var fv = state.params.get('q') || '';
    if (document.activeElement !== $('routes-filter')) $('routes-filter').value = fv;
    var list = api('/api/v1/routes', range).then(withRps, function (e) {
      ctx.errors.push(errorText('Routes', e));
      return null;
    });
    var spark = api('/api/v1/query', [['metric', 'http.server.duration'], ['stat', 'p95'], ['by', 'service,route']]
      .concat(range, [['step', w.step]])).then(function (res) {
      var map = {};
      (res.series || []).forEach(function (s) { map[(s.tags.service || '') + '\u0001' + (s.tags.route || '')] = s.points || []; });
      return map;
    }, function (e) {
      ctx.errors.push(errorText('p95 sparklines', e));
      return {};
    });
    return Promise.all([list, spark, fetchTrends(ctx, w)]).then(function (r) {
      if (!current(ctx)) return;
      self.window = w;
      self.sparks = r[1];
      self.trends = r[2];
      if (r[0] === null) {
        self.data = null;
        failRow($('routes-table').querySelector('tbody'), 9, 'Failed to load routes: see the error above');
        showEmpty('routes-empty', '');
        return;
      }
      self.data = r[0];
      self.render();
      showEmpty('routes-empty', r[0].length ? '' : otlpHelp('No HTTP server spans in this time range.'));
    });
  }
};

routesPage.init = function () {
  bindSort($('routes-table'), '-requests', function () { routesPage.render(); });
  bindRowLinks($('routes-table').querySelector('tbody'));
  $('routes-filter').addEventListener('input', function () {
    setParam('q', this.value.trim());
    writeHash();
    routesPage.render();
  });
};

export default routesPage;
