/* Perfwatch dashboard: the Web Vitals page (#/vitals[?device=&page=]): the real users' performance
 * score, p75 of each vital with its good / needs improvement / poor shares, a row per page and
 * device, p75 by release over time, resource weight, and the install snippet.
 * API: GET /api/v1/vitals, GET /api/v1/rum/setup, GET /api/v1/query. */
import { chartToBoard } from './chart-to-board.js';
import { api, errorText } from './api.js';
import { $, bindRowLinks, failRow, showEmpty } from './dom.js';
import { esc, fmtInt, fmtPct, formatValue, isNum } from './format.js';
import { current, pageLink, refresh, setParam, state, timeWindow, writeHash } from './router.js';
import { bindSort, markSorted, sortList, sortSpec } from './sort.js';
import { deployMarkers, renderWithMarkers } from './timeseries.js';

var VITALS = [
  { key: 'lcp', label: 'LCP', name: 'Largest Contentful Paint', unit: 'ms', good: 2500, poor: 4000 },
  { key: 'inp', label: 'INP', name: 'Interaction to Next Paint', unit: 'ms', good: 200, poor: 500 },
  { key: 'cls', label: 'CLS', name: 'Cumulative Layout Shift', unit: '', good: 0.1, poor: 0.25 },
  { key: 'fcp', label: 'FCP', name: 'First Contentful Paint', unit: 'ms', good: 1800, poor: 3000 },
  { key: 'ttfb', label: 'TTFB', name: 'Time to First Byte', unit: 'ms', good: 800, poor: 1800 }
];
var RATINGS = { good: 'Good', 'needs-improvement': 'Needs improvement', poor: 'Poor' };
var SHORT = { good: 'good', 'needs-improvement': 'needs impr.', poor: 'poor' };
var RES_TYPES = ['script', 'stylesheet', 'image', 'font', 'other'];

function range(w) { return [['from', w.from], ['to', w.to]]; }

function fmtVital(v, x) {
  if (!isNum(x)) return '—';
  return v.unit ? formatValue(+x, v.unit) : String(+(+x).toFixed(3));
}
function thresholdText(v) {
  return 'good ≤ ' + fmtVital(v, v.good) + ' · poor > ' + fmtVital(v, v.poor);
}
// The server's rating wins; the thresholds are only a fallback.
function ratingOf(v, x) {
  if (!x) return '';
  if (RATINGS[x.rating]) return x.rating;
  if (!isNum(x.p75)) return '';
  return x.p75 <= v.good ? 'good' : x.p75 <= v.poor ? 'needs-improvement' : 'poor';
}
function scoreRating(s) { return !isNum(s) ? '' : s >= 90 ? 'good' : s >= 50 ? 'needs-improvement' : 'poor'; }
function rcls(r) { return r ? ' r-' + r : ''; }

// Deploys on the same time axis (a release's effect on real users), drawn once they arrive.
function chart(el, series, unit, w, empty, ctx) {
  var opts = { unit: unit, from: w.from, to: w.to, step: w.stepSec * 1000, height: 180, legend: series.length > 0, emptyText: empty };
  renderWithMarkers(ctx, el, series, opts, deployMarkers(w, ''));
}
function bySeries(res, tag, missing) {
  return (res.series || []).map(function (s) {
    var t = s.tags || {};
    return { name: t[tag] != null && t[tag] !== '' ? String(t[tag]) : missing, points: s.points || [] };
  });
}
function sumPoints(res, tag) {
  var out = {};
  (res.series || []).forEach(function (s) {
    var k = (s.tags || {})[tag] || 'other';
    (s.points || []).forEach(function (p) { if (isNum(p[1])) out[k] = (out[k] || 0) + +p[1]; });
  });
  return out;
}

// ---- snippet (install box / empty state) ---------------------------------

function snippetHtml(s, err) {
  if (!s) return '<p>The install snippet is unavailable' + (err ? ': ' + esc(err) : '') + '.</p>';
  return '<div class="snippet"><pre><code class="snippet-code">' + esc(s.snippet || '') + '</code></pre>' +
    '<button type="button" class="copy-btn">Copy</button></div>' +
    '<p>Public browser key <code class="snippet-key">' + esc(s.key || '') + '</code>, accepted from ' +
    ((s.origins || []).map(function (o) { return '<code>' + esc(o) + '</code>'; }).join(', ') || 'no origin') + '. ' +
    'Add <code>data-release="1.4.2"</code> to compare releases and <code>data-routes="/courses/:id,/docs/*"</code> ' +
    'to group URLs into pages. Journeys: <code>perfwatch.journey.start(\'booking\', {targetMs: 5000}).step(\'pay\').complete()</code>.</p>';
}


// ---- web vitals page ---------------------------------------------------------

function gauge(score) {
  var has = isNum(score), s = has ? Math.max(0, Math.min(100, +score)) : 0, r = scoreRating(has ? s : null);
  var el = $('vitals-score');
  el.setAttribute('data-score', has ? String(Math.round(s)) : '');
  el.setAttribute('data-rating', r);
  el.className = 'gauge' + rcls(r);
  var html = '<svg viewBox="0 0 120 70" width="168" height="98" role="img" aria-label="Performance score ' +
    (has ? Math.round(s) : 'unknown') + ' of 100"><path class="g-bg" d="M10 62A50 50 0 0 1 110 62"/>' +
    (s > 0 ? '<path class="g-val" pathLength="100" stroke-dasharray="' + s.toFixed(1) + ' 200" d="M10 62A50 50 0 0 1 110 62"/>' : '') +
    '<text class="g-num" x="60" y="58" text-anchor="middle">' + (has ? Math.round(s) : '—') + '</text></svg>';
  if (el.__sig !== html) { el.innerHTML = html; el.__sig = html; } // live refreshes redraw only on change
}

function shareBar(x) {
  var seg = [['good', x.good], ['needs-improvement', x.needsImprovement], ['poor', x.poor]];
  var tot = seg.reduce(function (a, s) { return a + (isNum(s[1]) ? +s[1] : 0); }, 0);
  if (!tot) return '<div class="share-bar is-empty"></div><div class="share-legend muted">no page loads</div>';
  return '<div class="share-bar">' + seg.map(function (s) {
    var f = isNum(s[1]) ? s[1] / tot : 0;
    return '<i class="r-' + s[0] + '" data-share="' + s[0] + '" style="width:' + (f * 100).toFixed(2) + '%" title="' +
      RATINGS[s[0]] + ': ' + fmtPct(s[1]) + '"></i>';
  }).join('') + '</div><div class="share-legend">' + seg.map(function (s) {
    return '<span class="r-' + s[0] + '">' + fmtPct(s[1] || 0) + ' ' + SHORT[s[0]] + '</span>';
  }).join(' · ') + '</div>';
}

function tiles(overall) {
  var vit = (overall && overall.vitals) || {};
  var box = $('vitals-tiles'), html = VITALS.map(function (v) {
    var x = vit[v.key] || {}, r = ratingOf(v, x);
    return '<div class="tile vital-tile' + rcls(r) + '" data-vital="' + v.key + '" data-rating="' + r + '" title="' +
      esc(v.name + ': ' + thresholdText(v)) + '"><div class="tile-label">' + v.label + ' · p75</div><div class="tile-value">' + esc(fmtVital(v, x.p75)) + '</div><div class="tile-status">' +
      (RATINGS[r] || 'No data') + ' <span class="muted">· ' + fmtInt(x.samples || 0) + ' samples</span></div>' +
      shareBar(x) + '</div>';
  }).join('');
  if (box.__sig !== html) { box.innerHTML = html; box.__sig = html; } // live refreshes redraw only on change
}

function flatten(row) {
  var o = { page: row.page, device: row.device, samples: row.samples, score: row.score, row: row,
    cwvPass: row.cwvPass === true ? 1 : row.cwvPass === false ? 0 : null };
  VITALS.forEach(function (v) { var x = (row.vitals || {})[v.key]; o[v.key] = x && isNum(x.p75) ? +x.p75 : null; });
  return o;
}

var vitalsPage = {
  data: null,
  setup: null,
  setupErr: '',
  sel: function () {
    var d = state.params.get('device') || '';
    return { device: ['mobile', 'tablet', 'desktop'].indexOf(d) >= 0 ? d : '', page: state.params.get('page') || '' };
  },
  where: function () {
    var s = this.sel(), out = [];
    if (s.device) out.push(['where', 'device=' + s.device]);
    if (s.page) out.push(['where', 'page=' + s.page]);
    return out;
  },
  enter: function () {
    var s = this.sel(), chip = $('vitals-page-chip');
    $('vitals-device').querySelectorAll('button').forEach(function (b) {
      var on = b.getAttribute('data-device') === s.device;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    });
    chip.hidden = !s.page;
    chip.innerHTML = s.page ? 'Page <code>' + esc(s.page) + '</code> <a href="' +
      esc(pageLink('vitals', [['device', s.device]])) + '" title="All pages" aria-label="Show all pages">×</a>' : '';
    $('vitals-res-title').textContent = 'Average bytes per page view' + (s.page ? ' · ' + s.page : ' · all pages');
  },
  render: function () {
    var table = $('vitals-table'), tbody = table.querySelector('tbody'), spec = sortSpec('-samples');
    markSorted(table, spec);
    if (!this.data) return;
    var rows = (this.data.pages || []).map(flatten), dev = this.sel().device;
    if (!rows.length) return failRow(tbody, 10, 'No page loads in this time range');
    tbody.innerHTML = sortList(rows, spec).map(function (o) {
      var r = o.row, device = r.device && r.device !== '*' ? r.device : '';
      var href = pageLink('vitals', [['device', device || dev], ['page', r.page]]), sr = scoreRating(r.score);
      return '<tr class="vitals-row" data-page="' + esc(r.page) + '" data-device="' + esc(r.device || '') + '" data-href="' + esc(href) + '">' +
        '<td class="txt"><a href="' + esc(href) + '">' + esc(r.page) + '</a></td><td class="txt">' + esc(device || 'all') + '</td>' +
        '<td>' + fmtInt(r.samples) + '</td>' + VITALS.map(function (v) {
          var x = (r.vitals || {})[v.key], rt = ratingOf(v, x);
          return '<td class="vital-cell' + rcls(rt) + '" data-vital="' + v.key + '" data-rating="' + rt + '">' + esc(fmtVital(v, x && x.p75)) + '</td>';
        }).join('') +
        '<td class="cwv" data-pass="' + (r.cwvPass == null ? '' : r.cwvPass) + '">' +
        (r.cwvPass === true ? '<span class="r-good" title="LCP, INP and CLS are good">✓</span>' :
          r.cwvPass === false ? '<span class="r-poor" title="LCP, INP or CLS is not good">✗</span>' : '—') + '</td>' +
        '<td class="score-cell' + rcls(sr) + '" data-rating="' + sr + '">' + (isNum(r.score) ? Math.round(r.score) : '—') + '</td></tr>';
    }).join('');
  },
  install: function (empty, filtered) {
    var html = snippetHtml(this.setup, this.setupErr), box = $('vitals-install');
    var emptyHtml = !empty ? '' : filtered ? '<p>No page loads match this filter in this time range. <a href="' +
      esc(pageLink('vitals')) + '">Show all pages and devices</a>.</p>'
      : '<p>No page loads have been measured in this time range. Add this snippet to the <code>&lt;head&gt;</code> of your pages; ' +
        'vitals appear here as soon as the first visitor leaves a page.</p>' + html;
    if ($('vitals-empty').__sig !== emptyHtml) { showEmpty('vitals-empty', emptyHtml); $('vitals-empty').__sig = emptyHtml; }
    $('vitals-body').hidden = empty && !filtered;
    box.hidden = empty && !filtered;
    if (box.__sig !== html) { $('vitals-install-body').innerHTML = html; box.__sig = html; }
  },
  refresh: function (ctx) {
    var self = this, w = timeWindow(90), s = this.sel(), where = this.where();
    this.enter();
    var fail = function (what) { return function (e) { ctx.errors.push(errorText(what, e)); return null; }; };
    var setup = this.setup ? Promise.resolve() : api('/api/v1/rum/setup').then(function (r) { self.setup = r; }, function (e) {
      self.setupErr = e.message || String(e);
    });
    var pairs = range(w).concat(s.page ? [['page', s.page]] : [], s.device ? [['device', s.device]] : []);
    var main = api('/api/v1/vitals', pairs).catch(fail('Web vitals'));
    var jobs = [Promise.all([main, setup]).then(function (r) {
      if (!current(ctx)) return;
      var res = r[0];
      self.data = res;
      var overall = res && res.overall;
      gauge(overall && overall.score);
      tiles(overall);
      if (res) self.render(); else failRow($('vitals-table').querySelector('tbody'), 10, 'Failed to load web vitals: see the error above');
      var n = overall ? overall.samples || 0 : 0;
      $('vitals-meta').textContent = res ? fmtInt(n) + (n === 1 ? ' page load' : ' page loads') + ' · ' +
        (res.pages || []).length + ' rows' + (overall && overall.cwvPass != null ? ' · Core Web Vitals ' + (overall.cwvPass ? 'passed' : 'failed') : '') : '';
      self.install(!!res && n === 0, !!(s.device || s.page));
    })];
    // Trends of p75 per vital, one line per release.
    var box = $('vitals-trends');
    if (!box.children.length) {
      box.innerHTML = VITALS.map(function (v) {
        return '<div class="card"><h2>' + v.label + ' <small>' + esc(thresholdText(v)) + '</small></h2><div id="vitals-trend-' +
          v.key + '" class="chart trend-chart" data-vital="' + v.key + '"></div></div>';
      }).join('');
    }
    VITALS.forEach(function (v) {
      jobs.push(api('/api/v1/query', [['metric', 'rum.' + v.key], ['stat', 'p75']].concat(range(w), [['step', w.step], ['by', 'release']], where))
        .then(function (res) {
          if (current(ctx)) chart($('vitals-trend-' + v.key), bySeries(res, 'release', '(no release)'), v.unit, w, 'No ' + v.label + ' samples in this time range', ctx);
          if (current(ctx)) chartToBoard($('vitals-trend-' + v.key), 'rum.' + v.key, 'p75', ['release'], where.map(function (pair) { return pair[1]; }));
        }, function (e) {
          ctx.errors.push(errorText(v.label + ' trend', e));
          if (current(ctx)) chart($('vitals-trend-' + v.key), [], v.unit, w, 'Query failed', ctx);
        }));
    });
    // Resource weight: JS bytes per page over time, and the average per type.
    var bytes = function (stat, by, extra) {
      return api('/api/v1/query', [['metric', 'rum.resource.bytes'], ['stat', stat]].concat(range(w), [['step', w.step], ['by', by]], extra));
    };
    var devWhere = s.device ? [['where', 'device=' + s.device]] : [];
    jobs.push(bytes('avg', 'page', devWhere.concat([['where', 'type=script']], s.page ? [['where', 'page=' + s.page]] : [])).then(function (res) {
      if (current(ctx)) chart($('vitals-js-chart'), bySeries(res, 'page', '(no page)'), 'bytes', w, 'No script transfers in this time range', ctx);
    }, function (e) {
      ctx.errors.push(errorText('JavaScript weight', e));
      if (current(ctx)) chart($('vitals-js-chart'), [], 'bytes', w, 'Query failed', ctx);
    }));
    jobs.push(Promise.all([bytes('sum', 'type', where), bytes('count', 'type', where)]).then(function (r) {
      if (!current(ctx)) return;
      var sum = sumPoints(r[0], 'type'), cnt = sumPoints(r[1], 'type'), tbody = $('vitals-res-table').querySelector('tbody');
      var types = RES_TYPES.filter(function (t) { return cnt[t]; });
      Object.keys(cnt).forEach(function (t) { if (cnt[t] && types.indexOf(t) < 0) types.push(t); });
      if (!types.length) return failRow(tbody, 3, 'No resources measured in this time range');
      tbody.innerHTML = types.map(function (t) {
        return '<tr data-type="' + esc(t) + '"><td>' + esc(t) + '</td><td>' + esc(formatValue(sum[t] / cnt[t], 'bytes')) +
          '</td><td>' + fmtInt(cnt[t]) + '</td></tr>';
      }).join('');
    }, function (e) {
      ctx.errors.push(errorText('Resource weight', e));
      if (current(ctx)) failRow($('vitals-res-table').querySelector('tbody'), 3, 'Query failed');
    }));
    return Promise.all(jobs);
  }
};

vitalsPage.init = function () {
  bindSort($('vitals-table'), '-samples', function () { vitalsPage.render(); });
  bindRowLinks($('vitals-table').querySelector('tbody'));
  $('vitals-device').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-device]');
    if (!b) return;
    setParam('device', b.getAttribute('data-device'));
    writeHash();
    vitalsPage.enter();
    refresh();
  });
  document.addEventListener('click', function (e) {
    var b = e.target.closest('.copy-btn');
    if (!b) return;
    var code = b.parentNode.querySelector('code'), text = code.textContent;
    var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
    var fallback = function () {
      var r = document.createRange(), sel = window.getSelection();
      r.selectNodeContents(code); sel.removeAllRanges(); sel.addRange(r);
      try { if (document.execCommand('copy')) done(); } catch (x) { /* text stays selected */ }
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });
};

export default vitalsPage;
