/* Perfwatch dashboard: the Journeys page: each journey type (marked in page code with
 * perfwatch.journey.start(...).step(...).complete()) as a funnel with its bottleneck step,
 * abandonment and failures. API: GET /api/v1/journeys. */
import { api, errorText } from './api.js';
import { $, showEmpty } from './dom.js';
import { esc, fmtInt, fmtMs, fmtPct, isNum } from './format.js';
import { current, pageLink, timeWindow } from './router.js';

function funnelRow(stage, label, n, started, extra, hot) {
  var f = started ? n / started : 0;
  return '<div class="fn-row' + (hot ? ' is-bottleneck' : '') + '" data-stage="' + stage + '"' + (stage === 'step' ? ' data-step="' + esc(label) + '"' : '') + '>' +
    '<span class="fn-label" title="' + esc(label) + '">' + esc(label) + '</span><span class="fn-track"><i style="width:' +
    Math.max(0, Math.min(100, f * 100)).toFixed(2) + '%"></i></span><span class="fn-count">' + fmtInt(n) + '</span>' +
    '<span class="fn-pct">' + fmtPct(f) + '</span><span class="fn-note">' + (extra || '') + '</span></div>';
}

function journeyCard(j) {
  var steps = j.steps || [], bn = j.bottleneck || null, started = j.started || 0, atSteps = 0;
  steps.forEach(function (s) { atSteps += s.abandonedHere || 0; });
  var before = isNum(j.abandonedAtStart) ? +j.abandonedAtStart : Math.max(0, (j.abandoned || 0) - atSteps);
  var funnel = funnelRow('started', 'Started', started, started) + steps.map(function (s) {
    return funnelRow('step', s.name, s.reached || 0, started, s.abandonedHere ? '−' + fmtInt(s.abandonedHere) + ' abandoned here' : '', bn && bn.step === s.name);
  }).join('') + funnelRow('completed', 'Completed', j.completed || 0, started,
    j.failed ? fmtInt(j.failed) + ' failed' : '');
  var facts = [['started', 'Started', fmtInt(started)], ['completed', 'Completed', fmtInt(j.completed) + ' <span class="muted">' + fmtPct(started ? j.completed / started : null) + '</span>'],
    ['failed', 'Failed', fmtInt(j.failed)], ['abandoned', 'Abandoned', fmtInt(j.abandoned)], ['open', 'Open', fmtInt(j.open)],
    ['target', isNum(j.targetMs) ? 'Within ' + esc(fmtMs(j.targetMs)) : 'Target', isNum(j.targetMs) ? fmtPct(j.completedWithinTarget) +
      ' <span class="muted">of completed</span>' : '<span class="muted">none set</span>'],
    ['duration', 'Duration p50 / p95', esc(fmtMs(j.durationP50)) + ' / ' + esc(fmtMs(j.durationP95))]];
  var abandonedAt = steps.filter(function (s) { return s.abandonedHere; }).map(function (s) {
    return '<li data-step="' + esc(s.name) + '"><b>' + fmtInt(s.abandonedHere) + '</b> after <code>' + esc(s.name) + '</code></li>';
  }).join('') + (before ? '<li data-step=""><b>' + fmtInt(before) + '</b> before the first step</li>' : '');
  var reasons = (j.failReasons || []).map(function (r) {
    return '<li><b>' + fmtInt(r.count) + '</b> ' + esc(r.reason || '(no reason)') + '</li>';
  }).join('');
  return '<div class="card journey" data-journey-type="' + esc(j.type) + '">' +
    '<div class="card-head"><h2 class="journey-title">' + esc(j.type) + '</h2></div>' +
    '<div class="jfacts">' + facts.map(function (f) {
      return '<span data-fact="' + f[0] + '"><b>' + f[1] + '</b> ' + f[2] + '</span>';
    }).join('') + '</div>' +
    (bn ? '<div class="bottleneck" data-step="' + esc(bn.step) + '" data-reason="' + esc(bn.reason) + '"><b>Bottleneck: <code>' + esc(bn.step) +
      '</code></b> — ' + (bn.reason === 'drop-off' && bn.detail ? esc(bn.detail) :  // the detail says it is a drop-off
        (bn.reason === 'drop-off' ? 'largest drop-off' : bn.reason === 'slowest' ? 'slowest step' : esc(bn.reason)) +
        (bn.detail ? ': ' + esc(bn.detail) : '')) + '</div>' : '') +
    '<div class="journey-body"><div class="funnel">' + funnel + '</div><div class="jside">' +
    '<h3>Abandoned <span class="muted">' + fmtInt(j.abandoned) + '</span></h3>' + (abandonedAt ? '<ul class="jlist abandoned-at">' + abandonedAt + '</ul>' : '<p class="muted none">None</p>') +
    '<h3>Failed <span class="muted">' + fmtInt(j.failed) + '</span></h3>' + (reasons ? '<ul class="jlist fail-reasons">' + reasons + '</ul>' : '<p class="muted none">None</p>') +
    '</div></div>' +
    '<table class="table steps-table"><thead><tr><th class="txt">Step</th><th>Reached</th><th>Abandoned here</th><th>p50</th><th>p95</th></tr></thead><tbody>' +
    (steps.length ? steps.map(function (s) {
      var hot = bn && bn.step === s.name;
      return '<tr data-step="' + esc(s.name) + '"' + (hot ? ' class="is-bottleneck"' : '') + '><td>' + esc(s.name) +
        (hot ? ' <span class="badge badge-error">bottleneck</span>' : '') + '</td><td>' + fmtInt(s.reached) + '</td><td>' +
        fmtInt(s.abandonedHere || 0) + '</td><td>' + esc(fmtMs(s.p50)) + '</td><td>' + esc(fmtMs(s.p95)) + '</td></tr>';
    }).join('') : '<tr class="empty-row"><td colspan="5">No steps recorded</td></tr>') +
    '</tbody></table><p class="muted step-note">Step times are from the previous step (or the start) to this step.</p></div>';
}

export default {
  refresh: function (ctx) {
    var w = timeWindow();
    return api('/api/v1/journeys', [['from', w.from], ['to', w.to]]).then(function (res) {
      if (!current(ctx)) return;
      var list = res.journeys || [];
      $('journeys-list').innerHTML = list.map(journeyCard).join('');
      var n = list.reduce(function (a, j) { return a + (j.started || 0); }, 0);
      $('journeys-meta').textContent = list.length + (list.length === 1 ? ' journey type' : ' journey types') + ' · ' + fmtInt(n) + ' started';
      showEmpty('journeys-empty', list.length ? '' : '<p>No journeys in this time range. With the browser snippet installed ' +
        '(see <a href="' + esc(pageLink('vitals')) + '">Web Vitals</a>), mark one in your page code:</p>' +
        '<pre>var j = perfwatch.journey.start(\'booking\', { targetMs: 5000 });\nj.step(\'select\');\nj.step(\'pay\');\nj.complete();   // or j.fail(\'card declined\')</pre>');
    }, function (e) {
      ctx.errors.push(errorText('Journeys', e));
      if (!current(ctx)) return;
      $('journeys-list').innerHTML = '';
      $('journeys-meta').textContent = '';
      showEmpty('journeys-empty', '<p>Failed to load journeys: see the error above.</p>');
    });
  }
};
