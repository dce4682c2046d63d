/* Login for servers with API keys. Imported first by app.js: it asks the server whether
 * auth is on and this browser has a session; if not, it shows the login form, which exchanges a
 * key for an HttpOnly session cookie (the key itself is never stored in the page). Writes carry
 * the CSRF token the server gave at login in X-Perfwatch-CSRF: one wrapper around fetch adds it,
 * so the page modules need not know about auth. */
import { $ } from './dom.js';

var csrf = null;
var shown = false;
var realFetch = window.fetch.bind(window);

function sameOrigin(input) {
  var url = typeof input === 'string' ? input : (input && input.url) || '';
  return url.charAt(0) === '/' || url.indexOf(location.origin + '/') === 0;
}

window.fetch = function (input, init) {
  init = init || {};
  var method = (init.method || 'GET').toUpperCase();
  if (csrf && sameOrigin(input) && method !== 'GET' && method !== 'HEAD') {
    var headers = new Headers(init.headers || {});
    headers.set('X-Perfwatch-CSRF', csrf);
    init = Object.assign({}, init, { headers: headers });
  }
  return realFetch(input, init).then(function (res) {
    if (res.status === 401 && sameOrigin(input)) showLogin();
    return res;
  });
};

function showLogin(message) {
  var box = $('login');
  if (!box) return;
  if (message) $('login-error').textContent = message;
  $('login-error').hidden = !message;
  if (shown) return;
  shown = true;
  box.hidden = false;
  $('login-key').focus();
}

function showSession(scopes) {
  var who = $('session-box');
  if (!who) return;
  $('session-scopes').textContent = scopes.join(', ');
  who.hidden = false;
}

function submit(ev) {
  ev.preventDefault();
  var key = $('login-key').value.trim();
  if (!key) { showLogin('Enter an API key.'); return; }
  $('login-submit').disabled = true;
  realFetch('/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ key: key })
  }).then(function (res) {
    return res.json().catch(function () { return {}; }).then(function (body) {
      if (!res.ok) throw new Error((body.error && body.error.message) || 'login failed (HTTP ' + res.status + ')');
      // A fresh start: every page script loads its data again, now with the cookie.
      location.reload();
    });
  }).catch(function (e) {
    $('login-submit').disabled = false;
    $('login-key').value = '';
    showLogin(e.message || String(e));
  });
}

function logout() {
  realFetch('/api/v1/session', { method: 'DELETE', headers: { 'X-Perfwatch-CSRF': csrf || '' } })
    .then(function () { location.reload(); });
}

function start() {
  var form = $('login-form');
  if (form) form.addEventListener('submit', submit);
  var out = $('logout');
  if (out) out.addEventListener('click', logout);
  realFetch('/api/v1/session', { headers: { Accept: 'application/json' } })
    .then(function (res) { return res.json(); })
    .then(function (state) {
      if (!state.auth) return;
      if (state.session) { csrf = state.csrf; showSession(state.scopes || []); } else showLogin();
    }).catch(function () { /* the page scripts report an unreachable server */ });
}

// A module runs once the document is parsed.
start();
