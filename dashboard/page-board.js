/* Perfwatch dashboard: one saved dashboard (#/board/ID, issue 15): its panels on a two-column grid, each any
 * Explore query drawn as a line chart, bars, a single value or a table, over the board's time range (the range
 * control; the board's own `range` when the URL has none). Export shows and downloads its JSON; a panel can be
 * removed; the board deleted. API: GET/PUT/DELETE /api/v1/dashboards/{id}, GET /api/v1/query. */
import { api, errorText, send } from './api.js';
import { queueError } from './banner.js';
import { render } from './chart.js';
import { $, setHtml, showEmpty } from './dom.js';
import { esc, formatValue } from './format.js';
import { current, refresh, state, timeWindow, writeHash } from './router.js';
import { seriesName, toChartSeries } from './timeseries.js';

var board = null;

function boardDocument() { return { name: board.name, range: board.range, panels: board.panels }; }

function save() {
  return send('PUT', '/api/v1/dashboards/' + encodeURIComponent(board.id), boardDocument()).then(function () { refresh(); },
    function (e) { queueError(errorText('Dashboard not saved', e)); refresh(); });
}

function panelPairs(p, w, withStep) {
  var pairs = [['metric', p.metric], ['stat', p.stat], ['from', w.from], ['to', w.to]];
  if (withStep) pairs.push(['step', w.step]);
  if (p.by.length) pairs.push(['by', p.by.join(',')]);
  p.where.forEach(function (x) { pairs.push(['where', x]); });
  return pairs;
}

function unitOf(p, res) { return p.stat === 'count' ? '' : p.stat === 'rate' ? '/s' : (res.unit || ''); }

// One value per series over the whole range (the query API without a step).
function valuesHtml(p, res) {
  var unit = unitOf(p, res);
  var rows = (res.series || []).map(function (s) {
    var point = (s.points || [])[0];
    return { name: seriesName(s.tags, p.metric), value: point ? point[1] : null };
  }).filter(function (r) { return r.value !== null; }).sort(function (a, b) { return b.value - a.value; });
  if (!rows.length) return '<p class="muted">No data in this range</p>';
  if (p.chart === 'value') {
    return '<div class="board-value">' + esc(formatValue(rows[0].value, unit)) + '<span class="sub">' + esc(rows[0].name) +
      (rows.length > 1 ? ' (highest of ' + rows.length + ')' : '') + '</span></div>';
  }
  if (p.chart === 'bar') {
    var max = Math.max.apply(null, rows.map(function (r) { return Math.abs(r.value); })) || 1;
    return '<div class="board-bars">' + rows.map(function (r) {
      return '<span class="txt">' + esc(r.name) + '</span><span><i class="board-bar" style="display:block;width:' +
        (Math.abs(r.value) / max * 100).toFixed(1) + '%"></i></span><span class="num">' + esc(formatValue(r.value, unit)) + '</span>';
    }).join('') + '</div>';
  }
  return '<table class="table board-table"><tbody>' + rows.map(function (r) {
    return '<tr><td class="txt">' + esc(r.name) + '</td><td>' + esc(formatValue(r.value, unit)) + '</td></tr>';
  }).join('') + '</tbody></table>';
}

function drawPanel(ctx, p, i, w) {
  var body = $('board-panel-' + i).querySelector('.board-body');
  var line = p.chart === 'line';
  return api('/api/v1/query', panelPairs(p, w, line)).then(function (res) {
    if (!current(ctx)) return;
    if (line) {
      render(body, toChartSeries(res, p.metric), {
        unit: unitOf(p, res), from: w.from, to: w.to, step: (res.step || w.stepSec * 1000), height: 220,
        emptyText: 'No data for ' + p.metric + ' in this range'
      });
    } else {
      setHtml(body, valuesHtml(p, res));
    }
  }, function (e) {
    ctx.errors.push(errorText('Panel ' + (p.title || p.metric), e));
    if (current(ctx) && !line) setHtml(body, '<p class="muted">Query failed: see the error above</p>');
  });
}

function layout() {
  setHtml($('board-panels'), board.panels.map(function (p, i) {
    return '<div id="board-panel-' + i + '" class="card board-panel w' + esc(p.width) + '" data-chart="' + esc(p.chart) + '">' +
      '<div class="card-head"><h2>' + esc(p.title || (p.stat + '(' + p.metric + ')')) + ' <small>' + esc(p.chart) +
      (p.by.length ? ' · by ' + p.by.join(', ') : '') + '</small></h2>' +
      '<span><button class="board-width" type="button" data-i="' + i + '">' + (p.width === 2 ? 'Narrow' : 'Wide') + '</button> ' +
      '<button class="board-remove" type="button" data-i="' + i + '">Remove</button></span></div><div class="board-body chart"></div></div>';
  }).join(''));
}

export default {
  init: function () {
    $('board-export').addEventListener('click', function () {
      if (!board) return;
      var text = JSON.stringify(boardDocument(), null, 2);
      $('board-json').textContent = text;
      $('board-json').hidden = false;
      var link = $('board-download');
      link.href = 'data:application/json;charset=utf-8,' + encodeURIComponent(text);
      link.download = board.name.replace(/[^A-Za-z0-9._-]+/g, '-') + '.json';
      link.hidden = false;
    });
    $('board-delete').addEventListener('click', function () {
      if (!board || !window.confirm('Delete the dashboard "' + board.name + '"?')) return;
      send('DELETE', '/api/v1/dashboards/' + encodeURIComponent(board.id)).then(function () { location.hash = '#/dashboards'; },
        function (e) { queueError(errorText('Dashboard not deleted', e)); refresh(); });
    });
    $('board-panels').addEventListener('click', function (e) {
      var button = e.target.closest('.board-remove, .board-width');
      if (!button || !board) return;
      var i = +button.getAttribute('data-i');
      if (button.classList.contains('board-remove')) board.panels.splice(i, 1);
      else board.panels[i].width = board.panels[i].width === 2 ? 1 : 2;  // one column or the whole row of the grid
      save();
    });
  },
  enter: function () { $('board-json').hidden = true; $('board-download').hidden = true; },
  refresh: function (ctx) {
    return api('/api/v1/dashboards/' + encodeURIComponent(state.arg)).then(function (res) {
      if (!current(ctx)) return;
      board = res;
      if (!state.params.get('range')) { state.params.set('range', board.range); writeHash(); }
      $('board-title').textContent = board.name;
      layout();
      showEmpty('board-empty', board.panels.length ? '' : '<p>No panels yet. Open <a href="#/explore">Explore</a>, choose a query and ' +
        '<b>Add this chart</b> to this dashboard.</p>');
      var w = timeWindow();
      return Promise.all(board.panels.map(function (p, i) { return drawPanel(ctx, p, i, w); }));
    }, function (e) {
      ctx.errors.push(errorText('Dashboard', e));
    });
  }
};
