/* Perfwatch dashboard: the Alerts page's live stream, GET /api/v1/alerts/stream (SSE), open only while
 * the page is shown: every alert state change and in-app notification refreshes the page at once, and a
 * state change shows a short toast (a click on it opens the Alerts page). */
import { $ } from './dom.js';
import { esc } from './format.js';
import { refresh, state } from './router.js';

var TOAST_MS = 6000, liveTimer = null;
function toastBox() {
  var box = $('alerts-toasts');
  if (box) return box;
  box = document.createElement('div');
  box.id = 'alerts-toasts';
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  document.body.appendChild(box);
  box.addEventListener('click', function (e) {
    var t = e.target.closest('.al-toast');
    if (!t) return;
    t.remove();
    location.hash = '#/alerts';
  });
  return box;
}
function toast(kind, title, text) {
  var box = toastBox(), el = document.createElement('div');
  el.className = 'al-toast';
  el.setAttribute('data-kind', kind);
  el.innerHTML = '<b>' + esc(title) + '</b> ' + esc(text);
  box.appendChild(el);
  while (box.children.length > 4) box.removeChild(box.firstChild);
  setTimeout(function () { el.remove(); }, TOAST_MS);
}
// Several events of one evaluation round become one refresh.
function liveRefresh() {
  if (liveTimer) return;
  liveTimer = setTimeout(function () {
    liveTimer = null;
    if (state.page === 'alerts') { $('alerts-active-list').__sig = null; refresh(); }
  }, 250);
}
function onState(e) {
  var d; try { d = JSON.parse(e.data); } catch (x) { return; }
  liveRefresh();
  if (d.kind === 'cancelled') return;
  var title = { firing: 'Firing', resolved: 'Resolved', pending: 'Pending', acknowledged: 'Acknowledged' }[d.kind] || d.kind;
  toast(d.kind, title + ':', (d.message || d.ruleName || '') + (d.kind === 'acknowledged' && d.acknowledgedBy ? ' (by ' + d.acknowledgedBy + ')' : ''));
}
// Open only while the Alerts page is shown: every stream holds one of the browser's ~6
// connections to the server, and /api/v1/events already holds one per tab.
var alertStream = null;
export function syncAlertStream() {
  var want = state.page === 'alerts' && typeof EventSource !== 'undefined';
  if (want && !alertStream) {
    var es = alertStream = new EventSource('/api/v1/alerts/stream');
    es.addEventListener('state', onState);
    es.addEventListener('notification', function () { liveRefresh(); });
    es.onerror = function () {
      // The browser reconnects by itself unless the stream was closed for good (server gone).
      if (es.readyState === EventSource.CLOSED && alertStream === es) {
        alertStream = null;
        setTimeout(syncAlertStream, 5000);
      }
    };
  } else if (!want && alertStream) {
    alertStream.close();
    alertStream = null;
  }
}
