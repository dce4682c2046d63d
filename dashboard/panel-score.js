/* Perfwatch dashboard: the Overview's performance score panel: the overall Web Vitals score of real
 * users in the selected time range (GET /api/v1/vitals, the same figure as the Web Vitals page's
 * gauge), with its rating and a link to the Web Vitals page. */
import { api, errorText } from './api.js';
import { $ } from './dom.js';
import { esc, fmtInt, isNum } from './format.js';
import { current, timeWindow } from './router.js';

function rating(s) { return s >= 90 ? 'good' : s >= 50 ? 'needs-improvement' : 'poor'; }

export function refreshScorePanel(ctx) {
  var box = $('overview-score');
  if (!box) return null;
  var w = timeWindow();
  return api('/api/v1/vitals', [['from', w.from], ['to', w.to]]).then(function (res) {
    if (!current(ctx)) return;
    var o = res && res.overall, s = o && isNum(o.score) ? Math.round(o.score) : null;
    box.setAttribute('data-score', s === null ? '' : String(s));
    box.setAttribute('data-rating', s === null ? '' : rating(s));
    box.innerHTML = s === null
      ? '<span class="score-value">—</span><span class="muted">No real-user page loads in this range: add the browser snippet (Web Vitals page).</span>'
      : '<span class="score-value">' + esc(s) + '</span><span class="muted">' + esc(rating(s).replace('-', ' ')) + ' · ' +
        esc(fmtInt(o.samples || 0)) + ' page loads</span>';
  }, function (e) {
    ctx.errors.push(errorText('Performance score', e));
    if (current(ctx)) box.innerHTML = '<span class="muted">Score unavailable.</span>';
  });
}

