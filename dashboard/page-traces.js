/* Perfwatch dashboard: the Traces page: recent or slowest traces, filtered by service, route,
 * minimum duration and errors (#/traces?service=&route=&min_duration=&order=duration&status=error).
 * API: GET /api/v1/traces, GET /api/v1/routes (the form's choices). */
import { api, errorText } from './api.js';
import { otlpHelp, traceRows } from './apm.js';
import { showErrors } from './banner.js';
import { $, bindRowLinks, failRow, showEmpty } from './dom.js';
import { esc } from './format.js';
import { current, refresh, setParam, state, timeWindow, writeHash } from './router.js';

var tracesPage = {
  syncForm: function (routes) {
    var p = state.params, svc = p.get('service') || '';
    var services = [], byService = {};
    (routes || []).forEach(function (r) {
      if (services.indexOf(r.service) < 0) services.push(r.service);
      if (!svc || r.service === svc) byService[r.route] = true;
    });
    services.sort();
    if (svc && services.indexOf(svc) < 0) services.unshift(svc);
    var sel = $('traces-service'), sig = services.join('\u0001');
    if (sel.__sig !== sig) {
      sel.innerHTML = '<option value="">All services</option>' + services.map(function (s) {
        return '<option value="' + esc(s) + '">' + esc(s) + '</option>';
      }).join('');
      sel.__sig = sig;
    }
    sel.value = svc;
    $('traces-route-list').innerHTML = Object.keys(byService).sort().map(function (r) {
      return '<option value="' + esc(r) + '">';
    }).join('');
    if (document.activeElement !== $('traces-route')) $('traces-route').value = p.get('route') || '';
    if (document.activeElement !== $('traces-min')) $('traces-min').value = p.get('min_duration') || '';
    $('traces-order').value = p.get('order') === 'duration' ? 'duration' : 'time';
    $('traces-errors').checked = p.get('status') === 'error';
  },
  read: function () {
    var p = state.params, min = $('traces-min').value.trim();
    if (min && !(+min >= 0)) { showErrors(['Min duration: "' + min + '" is not a number of milliseconds']); return false; }
    [['service', $('traces-service').value], ['route', $('traces-route').value.trim()], ['min_duration', min],
      ['order', $('traces-order').value === 'duration' ? 'duration' : ''],
      ['status', $('traces-errors').checked ? 'error' : '']].forEach(function (kv) { setParam(kv[0], kv[1]); });
    writeHash();
    return true;
  },
  refresh: function (ctx) {
    var self = this, p = state.params, w = timeWindow(), range = [['from', w.from], ['to', w.to]];
    var filters = ['service', 'route', 'status', 'min_duration', 'order'].map(function (k) { return [k, p.get(k)]; });
    var routes = api('/api/v1/routes', range).then(function (res) { return res.routes || []; }, function () { return []; });
    var list = api('/api/v1/traces', filters.concat([['limit', 200]], range));
    return Promise.all([routes, list.then(null, function (e) { ctx.errors.push(errorText('Traces', e)); return null; })])
      .then(function (r) {
        if (!current(ctx)) return;
        self.syncForm(r[0]);
        var tbody = $('traces-table').querySelector('tbody');
        $('traces-meta').textContent = '';
        showEmpty('traces-empty', '');
        if (!r[1]) return failRow(tbody, 5, 'Failed to load traces: see the error above');
        var traces = r[1].traces || [], filtered = filters.some(function (f) { return f[1] && f[0] !== 'order'; });
        traceRows(tbody, traces, filtered ? 'No trace matches these filters in this time range' : 'No traces in this time range');
        $('traces-meta').textContent = traces.length + (traces.length === 1 ? ' trace' : ' traces') +
          (traces.length >= 200 ? ' (first 200)' : '') + (p.get('order') === 'duration' ? ', slowest first' : ', newest first');
        if (!traces.length && !filtered) showEmpty('traces-empty', otlpHelp('No traces in this time range.'));
      });
  }
};

tracesPage.init = function () {
  bindRowLinks($('traces-table').querySelector('tbody'));
  $('traces-form').addEventListener('submit', function (e) { e.preventDefault(); if (tracesPage.read()) refresh(); });
  ['traces-service', 'traces-route', 'traces-min', 'traces-order', 'traces-errors'].forEach(function (id) {
    $(id).addEventListener('change', function () { if (tracesPage.read()) refresh(); });
  });
};

export default tracesPage;
