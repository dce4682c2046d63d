/* Perfwatch dashboard: the nav's count of firing alerts. Kept current with every refresh of any page
 * (at most one request per 2 s); the Alerts page sets it from its own requests. */
import { api } from './api.js';
import { $ } from './dom.js';
import { state } from './router.js';

var badgeAt = 0, badgeBusy = false;
export function setBadge(n) {
  var b = $('nav-alerts-badge');
  b.textContent = n ? String(n) : '';
  b.hidden = !n;
  b.title = n + (n === 1 ? ' alert firing' : ' alerts firing');
}
export function firingOf(active) { return (active || []).filter(function (a) { return a.state === 'firing'; }).length; }
export function updateBadge() {
  if (state.page === 'alerts') return; // the page's own requests set it
  if (badgeBusy || Date.now() - badgeAt < 2000) return;
  badgeBusy = true;
  badgeAt = Date.now();
  api('/api/v1/alerts', [['state', 'firing']]).then(function (r) { setBadge(firingOf(r.active)); }, function () { /* keep it */ })
    .then(function () { badgeBusy = false; });
}
