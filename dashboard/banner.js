/* Perfwatch dashboard: the error banner, the one place errors are shown. A refresh shows the
 * errors it collected (and clears the banner when there are none); an error of a button or form
 * (a write) is queued and shown by the refresh that follows, since that refresh rewrites the banner
 * (router.reportError does both). */
import { $ } from './dom.js';

var queued = [];

export function showErrors(list) {
  var banner = $('error-banner');
  if (!list.length) { banner.hidden = true; $('error-text').textContent = ''; return; }
  $('error-text').textContent = list.join('\n');
  banner.hidden = false;
}

export function queueError(message) { queued.push(message); }

// The queued errors, once: the refresh that shows them takes them.
export function takeQueuedErrors() { return queued.splice(0); }

export function initBanner() {
  $('error-close').addEventListener('click', function () { $('error-banner').hidden = true; });
}
