/* Perfwatch dashboard: the Edge page (`perfwatch edge` instances and the policy the server publishes to them).
 *   #/edge   the edges from their last reports: policy version they run (against the published one), when they
 *            last reported, upstream health and EWMA latency, cache hit ratio, bytes saved, telemetry dropped;
 *            then the published policy versions, newest first, each with why it was published and its policy
 * API: GET /api/v1/edge/instances, GET /api/v1/edge/policies. */
import { api, errorText } from './api.js';
import { $, failRow, setHtml, showEmpty } from './dom.js';
import { agoHtml, esc, fmtInt, fmtMs, fmtPct, fmtWhen, formatValue, isNum } from './format.js';
import { current } from './router.js';

function hitRatio(cache) {
  if (!cache || !isNum(cache.hits) || !isNum(cache.misses) || cache.hits + cache.misses === 0) return null;
  return cache.hits / (cache.hits + cache.misses);
}

function upstreamsHtml(list) {
  if (!list.length) return '—';
  var healthy = list.filter(function (u) { return u.healthy && !u.ejected; }).length;
  return '<span class="edge-health" data-healthy="' + healthy + '" data-total="' + list.length + '">' + healthy + '/' + list.length + ' healthy</span>' +
    list.map(function (u) {
      var state = u.ejected ? 'ejected' : u.healthy ? 'up' : 'down';
      return '<span class="sub edge-upstream" data-state="' + state + '">' + esc(u.url) + ' · ' + esc(state) +
        (isNum(u.ewma_ms) ? ' · EWMA ' + esc(fmtMs(u.ewma_ms)) : '') + '</span>';
    }).join('');
}

// The image transforms (docs/images.md): variants made and what they saved, then the originals passed on and why.
function imagesHtml(i) {
  if (!i) return '—';
  var passed = ['undecodable', 'too_large', 'busy', 'not_smaller'].filter(function (k) { return i[k] > 0; });
  if (!(i.transcoded > 0) && !passed.length) return '—';
  var saved = isNum(i.bytes_in) && isNum(i.bytes_out) ? i.bytes_in - i.bytes_out : null;
  return esc(fmtInt(i.transcoded || 0) + ' transcoded') + (saved !== null && i.transcoded > 0 ? '<span class="sub edge-images-saved">' +
    esc(formatValue(saved, 'bytes') + ' saved') + '</span>' : '') + (passed.length ? '<span class="sub edge-images-passed">passed on: ' +
    esc(passed.map(function (k) { return fmtInt(i[k]) + ' ' + k.replace('_', ' '); }).join(', ')) + '</span>' : '');
}

function renderEdges(res) {
  var edges = res.edges || [], published = res.policy_version;
  setHtml($('edge-published'), 'published policy: version <b id="edge-policy-version">' + esc(published) + '</b>');
  setHtml($('edge-table').querySelector('tbody'), edges.length ? edges.map(function (e) {
    var behind = e.policy_version < published;
    var ratio = hitRatio(e.cache);
    var dropped = e.telemetry && isNum(e.telemetry.dropped) ? e.telemetry.dropped : null;
    return '<tr class="edge-row" data-edge="' + esc(e.edge) + '" data-connected="' + esc(e.connected) + '">' +
      '<td class="txt">' + esc(e.edge) + (e.service ? '<span class="sub">' + esc(e.service) + '</span>' : '') + '</td>' +
      '<td class="edge-version' + (behind ? ' warn' : '') + '">' + esc(e.policy_version) + (behind ? ' (behind)' : '') +
      (e.refused ? '<span class="sub edge-refused">refused ' + esc(e.refused.version) + ': ' + esc(e.refused.reason) + '</span>' : '') + '</td>' +
      '<td>' + agoHtml(e.reported_at, e.connected ? 'edge-age' : 'edge-age warn') + '</td>' +
      '<td class="txt">' + upstreamsHtml(e.upstreams || []) + '</td>' +
      '<td class="edge-hit-ratio">' + (ratio === null ? '—' : esc(fmtPct(ratio))) + '</td>' +
      '<td class="edge-saved">' + (isNum(e.bytes_saved) ? esc(formatValue(e.bytes_saved, 'bytes')) : '—') + '</td>' +
      '<td class="edge-images">' + imagesHtml(e.images) + '</td>' +
      '<td class="edge-dropped">' + (dropped === null ? '—' : esc(fmtInt(dropped))) + '</td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="8">No edge has reported</td></tr>');
  showEmpty('edge-empty', edges.length ? '' : '<p>No edge has reported yet. Run <code>perfwatch edge --listen 127.0.0.1:8080 ' +
    '--upstream http://127.0.0.1:3000 --server ' + esc(location.origin) + '</code> in front of your app; it fetches the policy ' +
    'below and reports every 5 s.</p>');
}

function renderPolicies(res) {
  var list = res.policies || [];
  setHtml($('edge-policies').querySelector('tbody'), list.length ? list.map(function (p) {
    return '<tr class="edge-policy-row" data-version="' + esc(p.version) + '"><td>' + esc(p.version) + '</td>' +
      '<td>' + esc(fmtWhen(p.published_at)) + '</td><td class="txt">' + esc(p.reason) +
      '<details><summary>policy</summary><pre class="edge-policy-json">' + esc(JSON.stringify(p.policy, null, 2)) + '</pre></details></td></tr>';
  }).join('') : '<tr class="empty-row"><td colspan="3">Nothing published yet: edges run their local policy (version 0)</td></tr>');
}

export default {
  refresh: function (ctx) {
    return Promise.all([
      api('/api/v1/edge/instances').then(function (res) { if (current(ctx)) renderEdges(res); }, function (e) {
        ctx.errors.push(errorText('Edges', e));
        if (current(ctx)) { var tb = $('edge-table').querySelector('tbody'); failRow(tb, 8, 'Failed to load: see the error above'); tb.__sig = null; }
      }),
      api('/api/v1/edge/policies').then(function (res) { if (current(ctx)) renderPolicies(res); }, function (e) {
        ctx.errors.push(errorText('Edge policies', e));
        if (current(ctx)) { var tb = $('edge-policies').querySelector('tbody'); failRow(tb, 3, 'Failed to load: see the error above'); tb.__sig = null; }
      })
    ]);
  }
};
