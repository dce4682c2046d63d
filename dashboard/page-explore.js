/* Perfwatch dashboard: the Explore page: any metric as a chart and a table, with a stat, group-by
 * tags and tag filters, all kept in the hash (#/explore?metric=&stat=&by=&where=).
 * API: GET /api/v1/metrics (the catalog), GET /api/v1/query. */
import { api, errorText, send } from './api.js';
import { queueError, showErrors } from './banner.js';
import { render, color } from './chart.js';
import { $, showEmpty } from './dom.js';
import { esc, formatValue } from './format.js';
import { current, refresh, setParam, state, timeWindow, writeHash } from './router.js';
import { deployMarkers, renderWithMarkers, toChartSeries } from './timeseries.js';
import { isAppMetric, otlpHelp } from './apm.js';

var STATS = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'avg', 'min', 'max', 'count', 'sum', 'rate', 'last'];
var catalog = null;

function curlExample() {
  var body = JSON.stringify({ metrics: [{ name: 'api.request.duration', kind: 'timing', value: 123.4, unit: 'ms', tags: { route: '/home' } }] });
  return "curl -X POST " + location.origin + "/api/v1/metrics \\\n  -H 'Content-Type: application/json' \\\n  -d '" + body + "'";
}

function defaultStat(kind) {
  return kind === 'counter' ? 'rate' : kind === 'gauge' ? 'last' : 'p95';
}

function statUnit(stat, meta) {
  var unit = (meta && meta.unit) || '';
  if (stat === 'count') return '';
  if (stat === 'rate') return meta && meta.kind === 'counter' && unit ? unit + '/s' : '/s';
  return unit;
}

function parseWhere(text) {
  var out = [], bad = [];
  text.split(',').forEach(function (part) {
    part = part.trim();
    if (!part) return;
    var m = /^([^=!\s][^=!]*?)\s*(!=|=)\s*(.*)$/.exec(part);
    if (!m || m[3] === '') bad.push(part); else out.push(m[1].trim() + m[2] + m[3].trim());
  });
  return { where: out, bad: bad };
}

function findMetric(name) {
  var list = (catalog && catalog.metrics) || [];
  for (var i = 0; i < list.length; i++) if (list[i].name === name) return list[i];
  return null;
}

// The first metric of the user's own apps; none while only Perfwatch's and the host's own exist (issue 15:
// Explore opened on a flat perfwatch.ingest.rate, which teaches nothing): the page then says how to send some.
function pickDefaultMetric() {
  var list = (catalog && catalog.metrics) || [];
  return (list.filter(isAppMetric)[0] || {}).name || '';
}

function fillSelect(sel, values, current, labels) {
  var want = values.slice();
  if (current && want.indexOf(current) < 0) want.unshift(current);
  var sig = want.join('\u0001');
  if (sel.__sig !== sig) {
    sel.innerHTML = want.map(function (v) {
      return '<option value="' + esc(v) + '">' + esc(labels && labels[v] || v) + '</option>';
    }).join('');
    sel.__sig = sig;
  }
  sel.value = current;
}

function explorerSelection() {
  var p = state.params;
  var metric = p.get('metric') || pickDefaultMetric();
  var m = findMetric(metric);
  var by = [];
  p.getAll('by').forEach(function (v) { v.split(',').forEach(function (k) { k = k.trim(); if (k && by.indexOf(k) < 0) by.push(k); }); });
  return { metric: metric, meta: m, stat: p.get('stat') || defaultStat(m && m.kind), by: by, where: p.getAll('where') };
}

function syncExploreControls(sel) {
  var metrics = ((catalog && catalog.metrics) || []).map(function (m) { return m.name; }).sort();
  var labels = {};
  ((catalog && catalog.metrics) || []).forEach(function (m) {
    labels[m.name] = m.name + (m.unit ? ' (' + m.unit + ')' : '');
  });
  if (!sel.metric) { metrics.unshift(''); labels[''] = metrics.length > 1 ? '— choose a metric —' : 'no metrics yet'; }
  fillSelect($('explore-metric'), metrics, sel.metric, labels);
  fillSelect($('explore-stat'), STATS, sel.stat);
  var keys = Object.keys((sel.meta && sel.meta.tags) || {}).sort();
  sel.by.forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
  var box = $('explore-by'), sig = keys.join('\u0001') + '|' + sel.by.join('\u0001');
  if (box.__sig !== sig) {
    box.innerHTML = '<legend>Group by</legend>' + (keys.length ? keys.map(function (k) {
      return '<label><input type="checkbox" value="' + esc(k) + '"' + (sel.by.indexOf(k) >= 0 ? ' checked' : '') +
        '>' + esc(k) + '</label>';
    }).join('') : '<span class="none muted">no tags</span>');
    box.__sig = sig;
  }
  var whereInput = $('explore-where');
  if (document.activeElement !== whereInput) whereInput.value = sel.where.join(', ');
}

function readExploreControls(changed) {
  var metric = $('explore-metric').value, p = state.params;
  var prev = findMetric(p.get('metric') || pickDefaultMetric()), next = findMetric(metric);
  p.set('metric', metric);
  if (changed === 'metric') {
    // Tag keys differ between metrics; the stat carries over when the kind does.
    if (!prev || !next || prev.kind !== next.kind) p.set('stat', defaultStat(next && next.kind));
    else p.set('stat', $('explore-stat').value);
    setParam('by', []);
  } else {
    p.set('stat', $('explore-stat').value);
    var by = [];
    $('explore-by').querySelectorAll('input:checked').forEach(function (c) { by.push(c.value); });
    setParam('by', by.length ? [by.join(',')] : []);
  }
  var parsed = parseWhere($('explore-where').value);
  if (parsed.bad.length) {
    showErrors(['Filter: cannot parse ' + parsed.bad.map(function (b) { return '"' + b + '"'; }).join(', ') +
      ' (use tag=value or tag!=value, separated by commas)']);
    return false;
  }
  setParam('where', parsed.where);
  writeHash();
  return true;
}

function renderTable(series, unit) {
  var tbody = $('series-table').querySelector('tbody');
  if (!series.length) {
    tbody.innerHTML = '<tr class="empty-row"><td colspan="6">No series</td></tr>';
    return;
  }
  tbody.innerHTML = series.map(function (s, i) {
    var vals = s.points.map(function (p) { return p[1]; }).filter(function (v) { return v !== null && isFinite(v); });
    var min = Math.min.apply(null, vals), max = Math.max.apply(null, vals);
    var sum = vals.reduce(function (a, b) { return a + b; }, 0);
    var f = function (v) { return esc(vals.length ? formatValue(v, unit) : '—'); };
    return '<tr data-series="' + esc(s.name) + '"><td><span class="pc-swatch" style="background:' + color(i) +
      '"></span> ' + esc(s.name) + '</td><td>' + f(vals[vals.length - 1]) + '</td><td>' + f(min) + '</td><td>' + f(max) +
      '</td><td>' + f(sum / vals.length) + '</td><td>' + vals.length + '</td></tr>';
  }).join('');
}

// "Add this chart" (issue 15, saved dashboards): the query on screen as a panel of a board, new or existing.
function fillBoards(list) {
  var sel = $('explore-board'), keep = sel.value;
  var html = '<option value="">New dashboard…</option>' + list.map(function (b) {
    return '<option value="' + esc(b.id) + '">' + esc(b.name) + '</option>';
  }).join('');
  if (sel.__sig !== html) { sel.innerHTML = html; sel.__sig = html; sel.value = keep; if (sel.value !== keep) sel.value = ''; }
  $('explore-board-name').parentNode.hidden = sel.value !== '';
}

function addToBoard() {
  var sel = explorerSelection();
  if (!sel.metric) { queueError('Choose a metric first'); refresh(); return; }
  var panel = { metric: sel.metric, stat: sel.stat, by: sel.by, where: sel.where, chart: $('explore-chart-type').value,
    title: sel.stat + '(' + sel.metric + ')' + (sel.by.length ? ' by ' + sel.by.join(', ') : '') };
  var id = $('explore-board').value;
  var saved = id
    ? api('/api/v1/dashboards/' + encodeURIComponent(id)).then(function (b) {
      return send('PUT', '/api/v1/dashboards/' + encodeURIComponent(id), { name: b.name, range: b.range, panels: b.panels.concat([panel]) });
    })
    : send('POST', '/api/v1/dashboards', { name: $('explore-board-name').value.trim() || 'My dashboard', range: state.params.get('range') &&
      ['15m', '1h', '6h', '24h', '7d'].indexOf(state.params.get('range')) >= 0 ? state.params.get('range') : '1h', panels: [panel] });
  saved.then(function (b) {
    $('explore-added').innerHTML = 'Added to <a id="explore-added-link" href="#/board/' + esc(b.id) + '">' + esc(b.name) + '</a>';
    $('explore-board-name').value = '';
    refresh();
  }, function (e) { queueError(errorText('Chart not added', e)); refresh(); });
}

export default {
  init: function () {
    $('explore-add').addEventListener('click', addToBoard);
    $('explore-board').addEventListener('change', function () { $('explore-board-name').parentNode.hidden = this.value !== ''; });
    $('explore-form').addEventListener('submit', function (e) { e.preventDefault(); });
    $('explore-metric').addEventListener('change', function () { if (readExploreControls('metric')) refresh(); });
    $('explore-stat').addEventListener('change', function () { if (readExploreControls('stat')) refresh(); });
    $('explore-by').addEventListener('change', function () { if (readExploreControls('by')) refresh(); });
    $('explore-where').addEventListener('change', function () { if (readExploreControls('where')) refresh(); });
  },
  refresh: function (ctx) {
    api('/api/v1/dashboards').then(function (res) { if (current(ctx)) fillBoards(res.dashboards || []); }, function () { /* optional */ });
    return api('/api/v1/metrics').then(function (cat) {
      catalog = cat;
    }, function (e) {
      ctx.errors.push(errorText('Metric catalog', e));
    }).then(function () {
      if (!current(ctx)) return;
      var sel = explorerSelection();
      syncExploreControls(sel);
      var chartEl = $('explore-chart');
      if (!sel.metric) {
        var others = ((catalog && catalog.metrics) || []).length;
        render(chartEl, [], { emptyText: 'No metrics from your apps yet' });
        renderTable([], '');
        $('explore-title').textContent = 'No metrics from your apps yet';
        showEmpty('explore-empty', '<p>No metrics from your apps have been received yet' + (others ? ' (Perfwatch\'s and the ' +
          'host\'s own are in the list above)' : '') + '. Send one:</p><pre>' + esc(curlExample()) + '</pre>' +
          otlpHelp('Or let an app send its own:'));
        return;
      }
      if (!state.params.get('metric')) {
        // Make the defaults visible in the URL so the link is shareable.
        state.params.set('metric', sel.metric);
        if (!state.params.get('stat')) state.params.set('stat', sel.stat);
        writeHash();
      }
      var w = timeWindow(), unit = statUnit(sel.stat, sel.meta);
      $('explore-title').textContent = sel.stat + '(' + sel.metric + ')' + (sel.by.length ? ' by ' + sel.by.join(', ') : '');
      var pairs = [['metric', sel.metric], ['stat', sel.stat], ['from', w.from], ['to', w.to], ['step', w.step]];
      if (sel.by.length) pairs.push(['by', sel.by.join(',')]);
      sel.where.forEach(function (x) { pairs.push(['where', x]); });
      return api('/api/v1/query', pairs).then(function (res) {
        if (!current(ctx)) return;
        if (!sel.meta && res.unit) unit = statUnit(sel.stat, { unit: res.unit, kind: res.kind });
        var series = toChartSeries(res, sel.metric);
        var r = renderWithMarkers(ctx, chartEl, series, {
          unit: unit, from: w.from, to: w.to, step: (res.step || w.stepSec * 1000), height: 320,
          emptyText: 'No data for ' + sel.metric + ' in this time range'
        }, deployMarkers(w, ''));
        renderTable(series, unit);
        $('explore-meta').textContent = series.length + ' series · ' + r.pointCount +
          (r.pointCount === 1 ? ' point' : ' points') + ' · step ' +
          w.step + (res.resolution ? ' · ' + res.resolution + ' resolution' : '');
        showEmpty('explore-empty', r.pointCount ? '' : '<p>No data for <code>' + esc(sel.metric) +
          '</code> in this range. Pick a wider range, remove filters, or send some data:</p><pre>' +
          esc(curlExample()) + '</pre>');
      }, function (e) {
        ctx.errors.push(errorText('Query failed', e));
        if (!current(ctx)) return;
        render(chartEl, [], { unit: unit, from: w.from, to: w.to, height: 320, emptyText: 'Query failed: see the error above' });
        renderTable([], unit);
        $('explore-meta').textContent = '';
        showEmpty('explore-empty', '');
      });
    });
  }
};
