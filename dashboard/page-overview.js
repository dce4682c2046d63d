/* Perfwatch dashboard: the Overview page: the server's health tiles, the performance score and top
 * issues panels, and the host's CPU and memory charts. API: GET /api/v1/overview, GET /api/v1/query. */
import { api, errorText } from './api.js';
import { render } from './chart.js';
import { $ } from './dom.js';
import { isAppMetric, otlpHelp } from './apm.js';
import { chartToBoard } from './chart-to-board.js';
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
      chartToBoard(el, metric, 'last', [], []);
    }, function (e) {
      ctx.errors.push(errorText('Query ' + metric, e));
      if (current(ctx)) render(el, [], { unit: unit, from: w.from, to: w.to, height: 200, emptyText: 'Query failed' });
    });
}

// First steps, shown until any app has sent data (issue 15 onboarding: every empty page says how to fill it).
function renderStart(catalog) {
  var box = $('overview-start'), fresh = !((catalog && catalog.metrics) || []).some(isAppMetric);
  box.hidden = !fresh;
  if (!fresh || box.__filled) return;
  box.__filled = true;
  box.innerHTML = '<h2>Get your data in</h2>' + otlpHelp('Nothing from your apps yet.') +
    '<p>For real users\' page speed, add the browser snippet shown on the <a href="#/vitals">Web Vitals</a> page; to load-test, ' +
    'see <a href="#/loadtests">Load Tests</a>.</p>';
}

export default {
  refresh: function (ctx) {
    var w = timeWindow(), marks = deployMarkers(w, '');
    api('/api/v1/metrics').then(function (catalog) { if (current(ctx)) renderStart(catalog); }, function () { /* the tiles say it */ });
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
