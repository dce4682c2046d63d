/* Perfwatch dashboard: the Overview page: the server's health tiles, the performance score and top
 * issues panels, and the host's CPU and memory charts. API: GET /api/v1/overview, GET /api/v1/query. */
import { api, errorText } from './api.js';
import { render } from './chart.js';
import { $ } from './dom.js';
import { esc, formatValue } from './format.js';
import { refreshScorePanel } from './panel-score.js';
import { refreshTopIssuesPanel } from './panel-top-issues.js';
import { current, timeWindow } from './router.js';
import { deployMarkers, renderWithMarkers, toChartSeries } from './timeseries.js';

function renderTiles(tiles) {
  var box = $('overview-tiles');
  if (!tiles.length) { box.innerHTML = '<div class="muted">The server reported no health tiles.</div>'; return; }
  box.innerHTML = tiles.map(function (t) {
    var status = ['ok', 'warn', 'crit'].indexOf(t.status) >= 0 ? t.status : 'unknown';
    return '<div class="tile status-' + status + '" data-tile-id="' + esc(t.id) + '">' +
      '<div class="tile-label">' + esc(t.label || t.id) + '</div>' +
      '<div class="tile-value">' + esc(formatValue(t.value, t.unit)) + '</div>' +
      '<div class="tile-status">' + esc(status === 'crit' ? 'critical' : status) + '</div></div>';
  }).join('');
}

function overviewChart(ctx, w, el, metric, unit, marks) {
  return api('/api/v1/query', [['metric', metric], ['stat', 'last'], ['from', w.from], ['to', w.to], ['step', w.step]])
    .then(function (res) {
      if (!current(ctx)) return;
      var series = toChartSeries(res, metric);
      renderWithMarkers(ctx, el, series, {
        unit: unit, from: w.from, to: w.to, step: w.stepSec * 1000, height: 200, legend: series.length > 1,
        emptyText: 'No data yet: host metrics are recorded every 10 s'
      }, marks);
    }, function (e) {
      ctx.errors.push(errorText('Query ' + metric, e));
      if (current(ctx)) render(el, [], { unit: unit, from: w.from, to: w.to, height: 200, emptyText: 'Query failed' });
    });
}

export default {
  refresh: function (ctx) {
    var w = timeWindow(), marks = deployMarkers(w, '');
    var tiles = api('/api/v1/overview').then(function (res) {
      if (current(ctx)) renderTiles(res.tiles || []);
    }, function (e) {
      ctx.errors.push(errorText('Overview', e));
      if (current(ctx)) $('overview-tiles').innerHTML = '<div class="muted">Health tiles unavailable.</div>';
    });
    return Promise.all([
      tiles,
      overviewChart(ctx, w, $('overview-cpu-chart'), 'system.cpu.percent', '%', marks),
      overviewChart(ctx, w, $('overview-rss-chart'), 'process.memory.rss_bytes', 'bytes', marks),
      refreshScorePanel(ctx),
      refreshTopIssuesPanel(ctx)
    ]);
  }
};
