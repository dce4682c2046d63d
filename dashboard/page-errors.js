/* Perfwatch dashboard: the Errors page: the browser's uncaught errors and unhandled rejections
 * (from the snippet), grouped by fingerprint, sortable; a click shows the stack.
 * API: GET /api/v1/errors. */
import { api, errorText } from './api.js';
import { $, failRow, hasSelection, showEmpty } from './dom.js';
import { ago, esc, fmtInt, fmtWhen } from './format.js';
import { current, pageLink, timeWindow } from './router.js';
import { bindSort, markSorted, sortList, sortSpec } from './sort.js';

var errorsPage = {
  data: null,
  open: {},
  render: function () {
    var table = $('errors-table'), tbody = table.querySelector('tbody'), spec = sortSpec('-count'), open = this.open;
    markSorted(table, spec);
    if (!this.data) return;
    if (!this.data.length) return failRow(tbody, 6, 'No JavaScript errors in this time range');
    tbody.innerHTML = sortList(this.data, spec).map(function (x) {
      var on = !!open[x.fingerprint], pages = x.pages || [], where = x.source ? x.source + (x.line ? ':' + x.line + (x.column ? ':' + x.column : '') : '') : '';
      return '<tr class="err-row' + (on ? ' is-open' : '') + '" data-fingerprint="' + esc(x.fingerprint) + '">' +
        '<td class="txt err-msg"><button type="button" class="wf-toggle" aria-expanded="' + on + '" title="Show/hide the stack">' + (on ? '▾' : '▸') +
        '</button><span class="err-text" title="' + esc(x.message || '') + '">' + esc(x.message || '(no message)') + '</span>' +
        (where ? '<span class="sub">' + esc(where) + '</span>' : '') + '</td>' +
        '<td class="txt"><span class="badge ' + (x.kind === 'rejection' ? 'badge-warn' : 'badge-error') + '">' + esc(x.kind || 'error') + '</span></td>' +
        '<td>' + fmtInt(x.count) + '</td><td class="txt err-pages" title="' + esc(pages.join('\n')) + '">' +
        esc(pages.slice(0, 3).join(', ')) + (pages.length > 3 ? ' <span class="muted">+' + (pages.length - 3) + '</span>' : '') + '</td>' +
        '<td title="' + esc(fmtWhen(x.firstSeen)) + '">' + esc(ago(x.firstSeen)) + '</td>' +
        '<td title="' + esc(fmtWhen(x.lastSeen)) + '">' + esc(ago(x.lastSeen)) + '</td></tr>' +
        '<tr class="err-stack" data-fingerprint="' + esc(x.fingerprint) + '"' + (on ? '' : ' hidden') + '><td colspan="6"><pre>' +
        esc(x.stack || (x.message || '') + (where ? '\n    at ' + where : '') + '\n(no stack recorded)') + '</pre></td></tr>';
    }).join('');
  },
  refresh: function (ctx) {
    var self = this, w = timeWindow();
    return api('/api/v1/errors', [['from', w.from], ['to', w.to]]).then(function (res) {
      if (!current(ctx)) return;
      var list = res.errors || [], n = list.reduce(function (a, x) { return a + (x.count || 0); }, 0);
      self.data = list;
      self.render();
      $('errors-meta').textContent = list.length + (list.length === 1 ? ' distinct error' : ' distinct errors') +
        (list.length >= 200 ? ' (the 200 most frequent)' : '') + ' · ' +
        fmtInt(n) + (n === 1 ? ' occurrence' : ' occurrences');
      showEmpty('errors-empty', list.length ? '' : '<p>No uncaught errors or unhandled rejections were reported in this time range. ' +
        'Errors are captured by the browser snippet (see <a href="' + esc(pageLink('vitals')) + '">Web Vitals</a> to install it).</p>');
    }, function (e) {
      ctx.errors.push(errorText('Errors', e));
      if (!current(ctx)) return;
      self.data = null;
      failRow($('errors-table').querySelector('tbody'), 6, 'Failed to load errors: see the error above');
      $('errors-meta').textContent = '';
      showEmpty('errors-empty', '');
    });
  }
};

errorsPage.init = function () {
  bindSort($('errors-table'), '-count', function () { errorsPage.render(); });
  $('errors-table').querySelector('tbody').addEventListener('click', function (e) {
    var tr = e.target.closest('tr.err-row');
    if (!tr || (!e.target.closest('button') && hasSelection())) return;
    var fp = tr.getAttribute('data-fingerprint'), on = !errorsPage.open[fp];
    if (on) errorsPage.open[fp] = true; else delete errorsPage.open[fp];
    tr.classList.toggle('is-open', on);
    var b = tr.querySelector('.wf-toggle');
    b.textContent = on ? '▾' : '▸';
    b.setAttribute('aria-expanded', String(on));
    if (tr.nextElementSibling) tr.nextElementSibling.hidden = !on;
  });
};

export default errorsPage;
