/* Perfwatch dashboard: the entry module (the only <script> of index.html). auth.js comes first: it
 * wraps fetch (session CSRF header, login on 401) before any page asks the API anything. */
import './auth.js';
import { PAGES } from './pages.js';
import { start } from './router.js';

start(PAGES);
