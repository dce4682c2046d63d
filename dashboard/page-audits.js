/* Perfwatch dashboard: the Audits page (lab audits posted by `perfwatch audit --server`, issue 20).
 *   #/audits[?url=U]   the audited URLs; for one URL its history (score and lab vitals over time, newest
 *                      first in the table) beside the same page's field p75 from RUM (last 7 days)
 *   #/audits/ID        one audit: the median run's figures, filmstrip, waterfall, opportunities, warnings
 * API: GET /api/v1/audits?url=, GET /api/v1/audits/ID. Audits never change, so one is fetched once. */
import { api, errorText } from './api.js';
import { render } from './chart.js';
import { $, bindRowLinks, failRow, setHtml, showEmpty } from './dom.js';
import { ago, esc, fmtInt, fmtMs, formatTime, formatValue, isNum } from './format.js';
import { current, state } from './router.js';

// The lab metrics with their field (RUM) counterparts; thresholds are the Web Vitals ones.
var METRICS = [
  { key: 'lcpMs', field: 'lcp', label: 'LCP', unit: 'ms', good: 2500, poor: 4000 },
  { key: 'fcpMs', field: 'fcp', label: 'FCP', unit: 'ms', good: 1800, poor: 3000 },
  { key: 'cls', field: 'cls', label: 'CLS', unit: '', good: 0.1, poor: 0.25 },
  { key: 'tbtMs', field: 'inp', label: 'TBT', fieldLabel: 'INP', unit: 'ms', good: 200, poor: 600 },
  { key: 'speedIndexMs', label: 'Speed Index', unit: 'ms', good: 3400, poor: 5800 },
  { key: 'ttfbMs', field: 'ttfb', label: 'TTFB', unit: 'ms', good: 800, poor: 1800 }
];

function fmtMetric(m, v) { return !isNum(v) ? '—' : m.unit ? formatValue(+v, m.unit) : String(+(+v).toFixed(3)); }
function rating(m, v) { return !isNum(v) ? 'unknown' : v <= m.good ? 'ok' : v <= m.poor ? 'warn' : 'crit'; }
function scoreClass(s) { return !isNum(s) ? 'unknown' : s >= 90 ? 'ok' : s >= 50 ? 'warn' : 'crit'; }
function auditLink(id) { return '#/audits/' + encodeURIComponent(id); }

// ---- history of one URL -------------------------------------------------------------

function renderHistory(res, url) {
  var urls = res.urls || [], audits = res.audits || [];
  var sel = $('audits-url');
  setHtml(sel, urls.map(function (u) {
    return '<option value="' + esc(u.url) + '"' + (u.url === url ? ' selected' : '') + '>' + esc(u.url) + ' (' + fmtInt(u.audits) + ')</option>';
  }).join(''));
  showEmpty('audits-empty', urls.length ? '' : '<p>No audits yet. Run <code>perfwatch audit https://example.com/ --server ' +
    esc(location.origin) + '</code>, or POST an audit report to <code>/api/v1/audits</code>.</p>');
  var latest = audits[0], field = (res.field || {}).p75 || {};
  setHtml($('audits-compare'), latest ? '<div class="tile status-' + scoreClass(latest.score) + '" data-stat="score"><div class="tile-label">Score · lab</div>' +
    '<div class="tile-value" id="audits-score">' + esc(latest.score) + '</div><div class="tile-status">' + esc(latest.device) + ', ' + esc(ago(latest.started_at)) + '</div></div>' +
    METRICS.map(function (m) {
      var lab = (latest.metrics || {})[m.key], f = m.field ? field[m.field] : null;
      return '<div class="tile audits-metric status-' + rating(m, lab) + '" data-metric="' + m.key + '"><div class="tile-label">' + esc(m.label) +
        ' · lab</div><div class="tile-value">' + esc(fmtMetric(m, lab)) + '</div><div class="tile-status audits-field" data-field="' + esc(m.field || '') + '">' +
        (m.field ? 'field p75 ' + esc(m.fieldLabel || m.label) + ': ' + esc(fmtMetric(m, f)) : 'lab only') + '</div></div>';
    }).join('') : '');
  $('audits-field-note').textContent = res.field ? 'field: RUM p75 of page ' + res.field.page + ' over the last ' + res.field.window : '';
  var tbody = $('audits-table').querySelector('tbody');
  if (!audits.length) failRow(tbody, 8, url ? 'No audits of this URL' : 'No audits');
  else setHtml(tbody, audits.map(function (a) {
    var x = a.metrics || {};
    return '<tr class="audit-row" data-audit-id="' + esc(a.id) + '" data-href="' + esc(auditLink(a.id)) + '">' +
      '<td class="txt"><a href="' + esc(auditLink(a.id)) + '">' + esc(formatTime(a.started_at, true)) + '</a></td><td>' + esc(a.device) + '</td>' +
      '<td class="audit-score status-' + scoreClass(a.score) + '">' + esc(a.score) + '</td>' +
      ['lcpMs', 'fcpMs', 'cls', 'tbtMs', 'speedIndexMs'].map(function (k) {
        var m = METRICS.filter(function (q) { return q.key === k; })[0];
        return '<td>' + esc(fmtMetric(m, x[k])) + '</td>';
      }).join('') + '</tr>';
  }).join(''));
  var ordered = audits.slice().reverse(), from = ordered.length ? ordered[0].started_at : 0, to = ordered.length ? ordered[ordered.length - 1].started_at : 0;
  if (to <= from) { from -= 3600e3; to += 3600e3; }
  render($('audits-score-chart'), [{ name: 'score', points: ordered.map(function (a) { return [a.started_at, a.score]; }) }],
    { unit: '', from: from, to: to, emptyText: 'No audits' });
  render($('audits-vitals-chart'), ['lcpMs', 'fcpMs', 'tbtMs', 'speedIndexMs'].map(function (k) {
    var m = METRICS.filter(function (q) { return q.key === k; })[0];
    return { name: m.label, points: ordered.filter(function (a) { return isNum((a.metrics || {})[k]); }).map(function (a) { return [a.started_at, a.metrics[k]]; }) };
  }), { unit: 'ms', from: from, to: to, emptyText: 'No audits' });
}

// ---- one audit -------------------------------------------------------------------

function filmstripHtml(frames) {
  if (!frames || !frames.length) return '<p class="muted">No filmstrip</p>';
  return '<div class="audit-filmstrip">' + frames.map(function (f) {
    return '<figure class="audit-frame" data-time="' + esc(f.timeMs) + '"><img alt="frame at ' + esc(fmtMs(f.timeMs)) +
      '" src="data:image/jpeg;base64,' + esc(f.jpegBase64) + '"><figcaption>' + esc(fmtMs(f.timeMs)) + '</figcaption></figure>';
  }).join('') + '</div>';
}

function waterfallHtml(rows) {
  if (!rows || !rows.length) return '<p class="muted">No requests</p>';
  var end = Math.max.apply(null, rows.map(function (r) { return r.endMs; }).concat([1]));
  return '<table class="table audit-waterfall"><thead><tr><th class="txt">Request</th><th>Type</th><th>Status</th><th>Size</th><th class="txt wf-bar-col">Timeline (' +
    esc(fmtMs(end)) + ')</th></tr></thead><tbody>' + rows.map(function (r) {
      var left = r.startMs / end * 100, width = Math.max(0.5, (r.endMs - r.startMs) / end * 100);
      return '<tr class="wf-row" data-type="' + esc(r.type) + '"' + (r.renderBlocking ? ' data-render-blocking="true"' : '') + '><td class="txt wf-url" title="' +
        esc(r.url) + '">' + esc(r.url.replace(/^https?:\/\/[^/]+/, '') || r.url) + (r.renderBlocking ? ' <span class="sub">render-blocking</span>' : '') +
        '</td><td>' + esc(r.type) + '</td><td>' + esc(r.status) + '</td><td>' + esc(formatValue(r.transferBytes, 'bytes')) +
        '</td><td class="txt"><div class="wf-track"><div class="wf-bar" style="margin-left:' + left.toFixed(2) + '%;width:' + width.toFixed(2) +
        '%" title="' + esc(fmtMs(r.startMs) + ' → ' + fmtMs(r.endMs)) + '"></div></div></td></tr>';
    }).join('') + '</tbody></table>';
}

function opportunitiesHtml(list) {
  if (!list || !list.length) return '<p class="muted">No opportunities: nothing found to fix</p>';
  return list.map(function (o) {
    var saves = [isNum(o.savingsMs) ? fmtMs(o.savingsMs) : '', isNum(o.savingsBytes) ? formatValue(o.savingsBytes, 'bytes') : ''].filter(Boolean).join(' · ');
    return '<details class="audit-opportunity" data-id="' + esc(o.id) + '"><summary><b>' + esc(o.title) + '</b>' + (saves ? ' <span class="muted">saves ' + esc(saves) + '</span>' : '') +
      '</summary><ul>' + (o.items || []).map(function (i) {
        return '<li><code>' + esc(i.url) + '</code> ' + esc(i.detail || '') + '</li>';
      }).join('') + '</ul></details>';
  }).join('');
}

function renderAudit(id, r, field) {
  var x = r.metrics || {}, f = (field || {}).p75 || {};
  setHtml($('audit-detail'), '<div class="page-head"><h1 id="audit-title">' + esc(r.url) + ' <span class="muted">#' + esc(id) + '</span></h1>' +
    '<a href="#/audits?url=' + encodeURIComponent(r.url) + '">← history of this URL</a><span class="muted">' + esc(r.device) + ' · ' +
    esc(formatTime(r.startedMs, true)) + ' · ' + esc((r.runs || []).length) + ' runs · Chromium ' + esc(r.chromiumVersion) + '</span></div>' +
    ((r.warnings || []).length ? '<div class="card audit-warnings">' + r.warnings.map(function (w) { return '<p class="warn">' + esc(w) + '</p>'; }).join('') + '</div>' : '') +
    '<div class="tiles"><div class="tile status-' + scoreClass(r.score) + '" data-stat="score"><div class="tile-label">Score</div><div class="tile-value" id="audit-score">' +
    esc(r.score) + '</div></div>' + METRICS.map(function (m) {
      return '<div class="tile audits-metric status-' + rating(m, x[m.key]) + '" data-metric="' + m.key + '"><div class="tile-label">' + esc(m.label) +
        '</div><div class="tile-value">' + esc(fmtMetric(m, x[m.key])) + '</div><div class="tile-status">' +
        (m.field ? 'field p75 ' + esc(m.fieldLabel || m.label) + ': ' + esc(fmtMetric(m, f[m.field])) : '') + '</div></div>';
    }).join('') + '</div>' +
    (r.lcpElement ? '<div class="card pad audit-lcp"><h2>LCP element</h2><p><code>' + esc(r.lcpElement.selector) + '</code>' +
      (r.lcpElement.url ? ' <span class="muted">' + esc(r.lcpElement.url) + '</span>' : '') + '</p></div>' : '') +
    '<div class="card pad"><h2>Filmstrip</h2>' + filmstripHtml(r.filmstrip) + '</div>' +
    '<div class="card pad"><h2>Opportunities</h2><div id="audit-opportunities">' + opportunitiesHtml(r.opportunities) + '</div></div>' +
    '<div class="card table-card"><div class="card-head pad"><h2>Waterfall <small>' + esc((r.requests || []).length) + ' requests</small></h2></div>' +
    waterfallHtml(r.requests) + '</div>');
}

var loaded = {}; // id -> the report and its field figures (audits never change)

export default {
  init: function () {
    $('audits-url').addEventListener('change', function () { location.hash = '#/audits?url=' + encodeURIComponent(this.value); });
    bindRowLinks($('audits-table').querySelector('tbody'));
  },
  refresh: function (ctx) {
    var id = state.arg;
    $('audits-list-view').hidden = !!id;
    $('audit-detail').hidden = !id;
    if (id) {
      if (loaded[id]) { renderAudit(id, loaded[id].report, loaded[id].field); return Promise.resolve(); }
      return api('/api/v1/audits/' + encodeURIComponent(id)).then(function (report) {
        return api('/api/v1/audits', [['url', report.url], ['limit', 1]]).then(function (h) { return h.field; }, function () { return null; })
          .then(function (field) {
            loaded[id] = { report: report, field: field };
            if (current(ctx)) renderAudit(id, report, field);
          });
      }, function (e) {
        ctx.errors.push(errorText('Audit ' + id, e));
        if (current(ctx)) setHtml($('audit-detail'), '<div class="card empty"><p>' + esc(errorText('Audit ' + id, e)) + '</p></div>');
      });
    }
    var url = state.params.get('url');
    return api('/api/v1/audits', url ? [['url', url]] : []).then(function (res) {
      if (!url && (res.urls || []).length) {
        url = res.urls[0].url;
        return api('/api/v1/audits', [['url', url]]);
      }
      return res;
    }).then(function (res) {
      if (current(ctx)) renderHistory(res, url);
    }, function (e) {
      ctx.errors.push(errorText('Audits', e));
      if (current(ctx)) failRow($('audits-table').querySelector('tbody'), 8, 'Failed to load audits: see the error above');
    });
  }
};
