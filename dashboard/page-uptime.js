/* Perfwatch dashboard: the Uptime page (synthetic checks the server runs, issue 20).
 *   #/uptime   one row per check: up or down now, uptime over 24 h, 7 d and 30 d, the last failure and
 *              why; then duration p95 and availability per check over the selected time range
 * API: GET /api/v1/synthetic/uptime, GET /api/v1/query (synthetic.duration, synthetic.up). */
import { api, errorText } from './api.js';
import { render } from './chart.js';
import { $, failRow, setHtml, showEmpty } from './dom.js';
import { agoHtml, esc, isNum } from './format.js';
import { current, timeWindow } from './router.js';
import { toChartSeries } from './timeseries.js';

function pct(v) { return isNum(v) ? (+v).toFixed(v >= 99.995 || v === 0 ? 0 : 2) + '%' : '—'; }
function pctClass(v) { return !isNum(v) ? '' : v >= 99.9 ? 'status-ok' : v >= 99 ? 'status-warn' : 'status-crit'; }

function renderChecks(res) {
  var checks = res.checks || [], windows = res.windows || ['24h', '7d', '30d'];
  showEmpty('uptime-empty', checks.length ? '' : '<p>No synthetic checks. Add some under <code>synthetic: {checks: [...]}</code> in the ' +
    'server\'s file or with <code>POST /api/v1/synthetic/checks</code> (docs/audits.md).</p>');
  setHtml($('uptime-table').querySelector('tbody'), checks.length ? checks.map(function (c) {
    var state = c.up === true ? 'up' : c.up === false ? 'down' : 'unknown';
    return '<tr class="uptime-row" data-check="' + esc(c.name) + '" data-state="' + state + '"><td class="txt"><b>' + esc(c.name) + '</b><span class="sub">' +
      esc(c.type + ' ' + c.url + ' every ' + c.interval) + '</span></td>' +
      '<td class="uptime-state ' + (state === 'up' ? 'status-ok' : state === 'down' ? 'status-crit' : '') + '">' + esc(state) + '</td>' +
      windows.map(function (w) { var v = (c.uptime || {})[w]; return '<td class="uptime-pct ' + pctClass(v) + '" data-window="' + esc(w) + '">' + esc(pct(v)) + '</td>'; }).join('') +
      '<td class="txt uptime-failure">' + (c.last_failure ? esc(c.last_failure) + (isNum(c.last_failure_at) ? ' ' + agoHtml(c.last_failure_at, 'sub') : '') : '—') + '</td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="' + (3 + windows.length) + '">No checks</td></tr>');
}

export default {
  refresh: function (ctx) {
    var w = timeWindow();
    var jobs = [api('/api/v1/synthetic/uptime').then(function (res) { if (current(ctx)) renderChecks(res); }, function (e) {
      ctx.errors.push(errorText('Uptime', e));
      if (current(ctx)) failRow($('uptime-table').querySelector('tbody'), 6, 'Failed to load the checks: see the error above');
    })];
    [['synthetic.duration', 'p95', 'uptime-duration', 'ms'], ['synthetic.up', 'avg', 'uptime-availability', '']].forEach(function (q) {
      jobs.push(api('/api/v1/query', [['metric', q[0]], ['stat', q[1]], ['from', w.from], ['to', w.to], ['step', w.step], ['by', 'check']]).then(function (res) {
        if (current(ctx)) render($(q[2]), toChartSeries(res, '(all)'), { unit: q[3], from: w.from, to: w.to, step: w.stepSec * 1000, emptyText: 'No runs in this time range' });
      }, function (e) { ctx.errors.push(errorText(q[0], e)); }));
    });
    return Promise.all(jobs);
  }
};
