/* Perfwatch dashboard: the Overview's "Top issues" panel: the three open issues with the biggest
 * impact, as the server sorts them. API: GET /api/v1/issues?status=open. */
import { api, errorText } from './api.js';
import { $, setHtml } from './dom.js';
import { esc } from './format.js';
import { impactText, issueLink, sevBadge } from './issue-format.js';
import { current } from './router.js';

export function refreshTopIssuesPanel(ctx) {
  var box = $('overview-issues');
  if (!box) return null;
  return api('/api/v1/issues', [['status', 'open']]).then(function (res) {
    if (!current(ctx)) return;
    var list = (res.issues || []).slice(0, 3);
    $('overview-issues-more').textContent = res.issues && res.issues.length > 3 ? 'All ' + res.issues.length + ' open issues →' : 'All issues →';
    setHtml(box, list.length ? '<ol class="iss-top">' + list.map(function (i) {
      return '<li class="top-issue" data-issue-id="' + esc(i.id) + '">' + sevBadge(i.severity) +
        ' <a class="issue-link" href="' + esc(issueLink(i.id)) + '">' + esc(i.title) + '</a>' +
        '<span class="muted iss-top-impact">' + esc(impactText(i)) + '</span></li>';
    }).join('') + '</ol>' : '<p class="muted none">No open issues. The analysis runs every minute.</p>');
  }, function (e) {
    ctx.errors.push(errorText('Top issues', e));
    if (current(ctx)) setHtml(box, '<p class="muted none">Issues unavailable.</p>');
  });
}

