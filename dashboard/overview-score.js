/* Perfwatch dashboard: the performance score on the Overview — the overall Web Vitals score of real
 * users in the selected time range (GET /api/v1/vitals, the same figure as the Web Vitals page's gauge),
 * with its rating and a link to the Web Vitals page. Loaded after app.js; wraps the Overview's refresh. */
(function () {
  'use strict';

  var P = window.PW, $ = P.$, esc = P.esc, isNum = P.isNum;

  function rating(s) { return s >= 90 ? 'good' : s >= 50 ? 'needs-improvement' : 'poor'; }

  function score(ctx) {
    var box = $('overview-score');
    if (!box) return null;
    var w = P.timeWindow();
    return P.api('/api/v1/vitals', [['from', w.from], ['to', w.to]]).then(function (res) {
      if (ctx.seq !== P.state.seq) return;
      var o = res && res.overall, s = o && isNum(o.score) ? Math.round(o.score) : null;
      box.setAttribute('data-score', s === null ? '' : String(s));
      box.setAttribute('data-rating', s === null ? '' : rating(s));
      box.innerHTML = s === null
        ? '<span class="score-value">—</span><span class="muted">No real-user page loads in this range: add the browser snippet (Web Vitals page).</span>'
        : '<span class="score-value">' + esc(s) + '</span><span class="muted">' + esc(rating(s).replace('-', ' ')) + ' · ' +
          esc(P.fmtInt(o.samples || 0)) + ' page loads</span>';
    }, function (e) {
      ctx.errors.push(P.errorText('Performance score', e));
      if (ctx.seq === P.state.seq) box.innerHTML = '<span class="muted">Score unavailable.</span>';
    });
  }

  var overview = P.pages.overview, overviewRefresh = overview.refresh;
  overview.refresh = function (ctx) { return Promise.all([overviewRefresh.call(overview, ctx), score(ctx)]); };
})();
