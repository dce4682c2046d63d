/* Perfwatch dashboard: small DOM helpers every page uses. */
import { esc } from './format.js';

export function $(id) { return document.getElementById(id); }

// Live refreshes rewrite an element only when its markup changed (keeps focus, selection, scroll).
export function setHtml(el, html) { if (el.__sig !== html) { el.innerHTML = html; el.__sig = html; } }

// An empty-state card: shown with the html, hidden without.
export function showEmpty(id, html) {
  var el = $(id);
  el.hidden = !html;
  el.innerHTML = html || '';
}

// A table body with one full-width message row.
export function failRow(tbody, cols, text) {
  tbody.innerHTML = '<tr class="empty-row"><td colspan="' + cols + '">' + esc(text) + '</td></tr>';
}

export function hasSelection() { return !!(window.getSelection && String(window.getSelection())); }

// Whole-row clicks follow the row's data-href (the link itself stays a real <a>); clicks on
// `skip` (links, buttons) and the end of a text selection do not.
export function bindRowLinks(tbody, skip) {
  tbody.addEventListener('click', function (e) {
    if (e.target.closest(skip || 'a, button') || hasSelection()) return;
    var tr = e.target.closest('tr[data-href]');
    if (tr) location.hash = tr.getAttribute('data-href');
  });
}
