/* Perfwatch dashboard: the route detail page (#/route?service=&route=): its numbers, latency
 * percentiles, throughput and errors over time, the "Where the time goes" panel and its slowest
 * traces. API: GET /api/v1/routes, GET /api/v1/query, GET /api/v1/traces. */
import { chartToBoard } from './chart-to-board.js';
import { api, errorText } from './api.js';
import { traceRows, withRps } from './apm.js';
import { $, bindRowLinks, failRow } from './dom.js';
import { esc, fmtInt, fmtMs, fmtPct, fmtRps } from './format.js';
import { refreshBottleneckPanel } from './panel-bottlenecks.js';
import { current, pageLink, state, timeWindow } from './router.js';
import { deployMarkers, renderWithMarkers } from './timeseries.js';

var LATENCY_COLORS = { p50: '#16a34a', p95: '#2563eb', p99: '#dc2626' };

function routeStats(row) {
  var items = [['requests', 'Requests', row ? fmtInt(row.requests) : '—'],
    ['rps', 'Req/s', fmtRps(row && row.rps)],
    ['p50', 'p50', fmtMs(row && row.p50)], ['p95', 'p95', fmtMs(row && row.p95)], ['p99', 'p99', fmtMs(row && row.p99)],
    ['errorRate', 'Errors', fmtPct(row && row.errorRate)]];
  $('route-stats').innerHTML = items.map(function (it) {
    var er = it[0] === 'errorRate' && row ? row.errorRate : null;
    return '<div class="tile stat status-' + (er === null ? 'none' : er >= 0.05 ? 'crit' : er > 0 ? 'warn' : 'ok') + '" data-stat="' + it[0] +
      '"><div class="tile-label">' + it[1] + '</div><div class="tile-value">' + esc(it[2]) + '</div></div>';
  }).join('');
}

export default {
  refresh: function (ctx) {
    var p = state.params, service = p.get('service') || '', route = p.get('route') || '';
    // Coarser buckets than Explore: a percentile over one or two requests says little.
    var w = timeWindow(90), range = [['from', w.from], ['to', w.to]], step = w.stepSec * 1000;
    $('route-title').textContent = (service ? service + ' · ' : '') + (route || 'no route selected');
    document.title = (route || 'Route') + ' · Perfwatch';
    $('route-back').href = pageLink('routes');
    $('route-traces-more').href = pageLink('traces', [['service', service], ['route', route], ['order', 'duration']]);
    var where = [['where', 'route=' + route]];
    if (service) where.push(['where', 'service=' + service]);
    var whereTexts = where.map(function (pair) { return pair[1]; });
    function q(metric, stat) {
      return api('/api/v1/query', [['metric', metric], ['stat', stat]].concat(range, [['step', w.step]], where));
    }
    var marks = deployMarkers(w, service);
    function chart(el, series, unit, empty) {
      renderWithMarkers(ctx, el, series,
        { unit: unit, from: w.from, to: w.to, step: step, height: 220, legend: series.length > 1, emptyText: empty }, marks);
    }
    function points(res) { return res && res.series && res.series[0] ? res.series[0].points || [] : []; }
    var fail = function (what) {
      return function (e) { ctx.errors.push(errorText(what, e)); return null; };
    };
    var stats = api('/api/v1/routes', range).then(function (res) {
      var row = null;
      withRps(res).forEach(function (r) { if (r.route === route && (!service || r.service === service)) row = row || r; });
      if (current(ctx)) routeStats(row);
    }, function (e) { ctx.errors.push(errorText('Route summary', e)); if (current(ctx)) routeStats(null); });
    var lat = Promise.all(['p50', 'p95', 'p99'].map(function (s) { return q('http.server.duration', s).catch(fail('Latency ' + s)); }))
      .then(function (rs) {
        if (!current(ctx)) return;
        var series = [];
        ['p50', 'p95', 'p99'].forEach(function (s, i) {
          if (rs[i]) series.push({ name: s, points: points(rs[i]), color: LATENCY_COLORS[s] });
        });
        chart($('route-latency-chart'), series, 'ms', series.length ? 'No requests for this route in this time range' : 'Query failed');
        chartToBoard($('route-latency-chart'), 'http.server.duration', 'p95', [], whereTexts);
      });
    $('route-throughput-unit').textContent = 'requests per ' + w.step;
    $('route-errors-unit').textContent = 'http.server.errors per ' + w.step;
    function countChart(metric, stat, el, name, color, empty) {
      return q(metric, stat).catch(fail(name)).then(function (res) {
        if (current(ctx)) chart($(el), res ? [{ name: name, points: points(res), color: color }] : [], '', res ? empty : 'Query failed');
        if (current(ctx)) chartToBoard($(el), metric, stat, [], whereTexts);
      });
    }
    var thr = countChart('http.server.duration', 'count', 'route-throughput-chart', 'requests', '#0891b2', 'No requests in this time range');
    var errs = countChart('http.server.errors', 'sum', 'route-errors-chart', 'errors', '#dc2626', 'No errors recorded in this time range');
    var tbody = $('route-traces').querySelector('tbody');
    var pairs = [['route', route], ['service', service], ['order', 'duration'], ['limit', 20]].concat(range);
    var traces = api('/api/v1/traces', pairs).then(function (res) {
      if (current(ctx)) traceRows(tbody, res.traces || [], 'No traces for this route in this time range');
    }, function (e) {
      ctx.errors.push(errorText('Slowest traces', e));
      if (current(ctx)) failRow(tbody, 5, 'Failed to load traces');
    });
    return Promise.all([stats, lat, thr, errs, traces, refreshBottleneckPanel(ctx, service, route)]);
  },
  init: function () {
    bindRowLinks($('route-traces').querySelector('tbody'));
  }
};
