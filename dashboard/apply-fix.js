/* Perfwatch dashboard: the issue page's "Applied a fix" button: records an optimization linked to
 * the issue, applied now, and opens it. An issue about no single route (a slow query) asks which
 * route should get faster. API: POST /api/v1/optimizations. */
import { send } from './api.js';
import { optimizationLink } from './page-optimizations.js';
import { reportError } from './router.js';

// Beside the status buttons, not among them: those set a status, this records a fix.
export var applyFixHtml = '<div id="issue-fix-actions" class="iss-actions"><button type="button" id="issue-apply-fix" class="btn" ' +
  'title="Record the fix as applied now; Perfwatch then validates it before/after">Applied a fix</button></div>';

// issueId: the issue's id; routeEl: the element showing its route, if it has one.
export function recordFix(issueId, routeEl) {
  var route = routeEl ? routeEl.textContent : window.prompt('Which route should the fix make faster? (e.g. /search)');
  if (!route) return;
  var description = window.prompt('What was changed?', 'Fix for issue #' + issueId);
  if (description === null) return;
  send('POST', '/api/v1/optimizations', {
    issueId: issueId, route: route, description: description || 'Fix for issue #' + issueId, appliedAt: Date.now()
  }).then(function (j) {
    location.hash = optimizationLink(j.id);
  }, function (err) {
    reportError('Could not record the fix', err);
  });
}
