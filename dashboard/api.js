/* Perfwatch dashboard: the one client of the HTTP API. Reads (api) and writes (send) go through
 * request(), which turns every failure (network, HTTP status, a body that is not JSON) into an
 * ApiError carrying the server's error code and message; errorText() words it for the banner.
 * The session's CSRF header is added by auth.js, which wraps fetch for the whole page. */

// Query-string builder that keeps hashes readable (/ , = : stay literal).
export function qs(pairs) {
  return pairs.filter(function (p) { return p[1] !== undefined && p[1] !== null && p[1] !== ''; })
    .map(function (p) {
      return encodeURIComponent(p[0]) + '=' + encodeURIComponent(p[1])
        .replace(/%2F/gi, '/').replace(/%2C/gi, ',').replace(/%3D/gi, '=').replace(/%3A/gi, ':');
    }).join('&');
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// method, path, query pairs, JSON body; resolves to the parsed body (null for an empty one).
function request(method, path, pairs, body) {
  var url = path + (pairs && pairs.length ? '?' + qs(pairs) : '');
  var init = { method: method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(url, init).then(function (res) {
    return res.text().then(function (text) {
      var json = null;
      try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
      if (!res.ok) {
        var err = json && json.error;
        throw new ApiError(res.status, (err && err.code) || 'http_' + res.status,
          (err && err.message) || (text.slice(0, 200) || res.statusText || 'request failed'));
      }
      if (json === null && text) throw new ApiError(res.status, 'bad_response', 'invalid JSON from ' + path);
      return json;
    });
  }, function (e) {
    throw new ApiError(0, 'network', 'cannot reach the server (' + (e && e.message || e) + ')');
  });
}

// GET path?pairs: every read returns a JSON body.
export function api(path, pairs) {
  return request('GET', path, pairs).then(function (body) {
    if (body === null) throw new ApiError(200, 'bad_response', 'invalid JSON from ' + path);
    return body;
  });
}

// A write (POST, PATCH, DELETE) with an optional JSON body.
export function send(method, path, body) {
  return request(method, path, null, body);
}

// "message (code, HTTP status)" of a failed request; the message of any other error.
export function describe(e) {
  if (e instanceof ApiError) return e.message + ' (' + e.code + (e.status ? ', HTTP ' + e.status : '') + ')';
  return String(e && e.message || e);
}

export function errorText(context, e) { return context + ': ' + describe(e); }
