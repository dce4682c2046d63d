/* Perfwatch dashboard: the Database page: the advisor's section per configured PostgreSQL database
 * (db-advisor.js), then the query fingerprints of the database spans with their calls and time,
 * sortable; a click shows the whole statement. API: GET /api/v1/db/queries. */
import { api, errorText } from './api.js';
import { bindAdvisor, refreshAdvisor } from './db-advisor.js';
import { durBar, otlpHelp } from './apm.js';
import { $, failRow, hasSelection, showEmpty } from './dom.js';
import { esc, fmtInt, fmtMs, isNum } from './format.js';
import { current, refresh, timeWindow } from './router.js';
import { bindSort, markSorted, sortList, sortSpec } from './sort.js';

var databasePage = {
  data: null,
  open: {},
  render: function () {
    var table = $('db-table'), tbody = table.querySelector('tbody'), spec = sortSpec('-totalMs'), open = this.open;
    markSorted(table, spec);
    if (!this.data) return;
    if (!this.data.length) { failRow(tbody, 9, 'No database queries in this time range'); return; }
    var max = 0;
    this.data.forEach(function (q) { if (q.totalMs > max) max = q.totalMs; });
    tbody.innerHTML = sortList(this.data, spec).map(function (q) {
      var key = q.service + '\u0001' + q.fingerprint, stmt = q.statement || '(statement not recorded: ' + q.fingerprint + ')';
      return '<tr class="db-row' + (open[key] ? ' is-open' : '') + '" data-fingerprint="' + esc(q.fingerprint) + '" data-service="' + esc(q.service) + '">' +
        '<td class="txt stmt"><code class="stmt-text" title="' + esc(stmt) + '" tabindex="0">' + esc(stmt) + '</code></td>' +
        '<td class="txt">' + esc(q.service) + '</td><td class="txt">' + esc(q.dbSystem || '—') + '</td>' +
        '<td class="txt">' + esc(q.operation || '—') + '</td><td>' + fmtInt(q.calls) + '</td>' +
        '<td class="db-per-request">' + (isNum(q.callsPerTrace) ? esc(String(q.callsPerTrace)) : '—') + '</td>' +
        '<td>' + durBar(q.totalMs, max) + '</td>' +
        '<td>' + esc(fmtMs(q.avgMs)) + '</td><td>' + esc(fmtMs(q.p95)) + '</td></tr>';
    }).join('');
  },
  refresh: function (ctx) {
    var w = timeWindow();
    var advisor = refreshAdvisor($('dba'), ctx.errors, function () { return current(ctx); }).catch(function (e) {
      ctx.errors.push(errorText('Database advisor', e));
    });
    return Promise.all([advisor, this.refreshQueries(ctx, w)]);
  },
  refreshQueries: function (ctx, w) {
    var self = this;
    return api('/api/v1/db/queries', [['from', w.from], ['to', w.to]]).then(function (res) {
      if (!current(ctx)) return;
      var list = res.queries || [], calls = 0, total = 0;
      list.forEach(function (q) {
        q.avgMs = q.calls ? q.totalMs / q.calls : null;
        calls += q.calls || 0; total += q.totalMs || 0;
      });
      self.data = list;
      self.render();
      $('db-meta').textContent = list.length + (list.length === 1 ? ' query fingerprint' : ' query fingerprints') +
        ' · ' + fmtInt(calls) + ' calls · ' + fmtMs(total) + ' total';
      showEmpty('db-empty', list.length ? '' : otlpHelp('No database spans in this time range (client spans with ' +
        '<code>db.system</code> and <code>db.statement</code> or <code>db.query.text</code>, as database instrumentations record).'));
    }, function (e) {
      ctx.errors.push(errorText('Database queries', e));
      if (!current(ctx)) return;
      self.data = null;
      failRow($('db-table').querySelector('tbody'), 8, 'Failed to load queries: see the error above');
      $('db-meta').textContent = '';
      showEmpty('db-empty', '');
    });
  }
};

databasePage.init = function () {
  bindAdvisor($('dba'), refresh);
  bindSort($('db-table'), '-totalMs', function () { databasePage.render(); });
  $('db-table').querySelector('tbody').addEventListener('click', function (e) {
    var tr = e.target.closest('tr.db-row');
    if (!tr || hasSelection()) return;
    var key = tr.getAttribute('data-service') + '\u0001' + tr.getAttribute('data-fingerprint');
    if (databasePage.open[key]) delete databasePage.open[key]; else databasePage.open[key] = true;
    tr.classList.toggle('is-open', !!databasePage.open[key]);
  });
};

export default databasePage;
