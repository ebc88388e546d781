/* aiusage dashboard core: formatting, the JSON API, live updates, charts, toasts.
   Each page script calls aiusage.page(refresh) once; refresh() re-reads the page's data
   and is called again on every relevant live event (debounced), so the first render and
   every update run the same code. DOM is built with el(), never from HTML strings. */
(function () {
  'use strict';
  const A = (window.aiusage = {});
  const locale = undefined; // the browser's
  const CSRF_COOKIES = ['aiusage_csrf', 'csrftoken', 'csrf_token'];

  // ---- formatting -----------------------------------------------------------------
  const fmt = (opts) => new Intl.NumberFormat(locale, opts);
  const usd2 = fmt({ style: 'currency', currency: 'USD' });
  const usd4 = fmt({ style: 'currency', currency: 'USD', maximumFractionDigits: 4 });
  const usd0 = fmt({ style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  const int = fmt({ maximumFractionDigits: 0 });
  const compact = fmt({ notation: 'compact', maximumFractionDigits: 1 });
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });

  A.money = (v) => {
    if (v === null || v === undefined || Number.isNaN(v)) return '—';
    const a = Math.abs(v);
    if (a > 0 && a < 0.995) return usd4.format(v);
    return a >= 100000 ? usd0.format(v) : usd2.format(v);
  };
  A.moneyShort = (v) => (Math.abs(v) >= 10000 ? '$' + compact.format(v) : A.money(v));
  A.int = (v) => (v === null || v === undefined ? '—' : int.format(v));
  A.compact = (v) => (v === null || v === undefined ? '—' : compact.format(v));
  A.pct = (v) => (v === null || v === undefined ? '—' :
    fmt({ maximumFractionDigits: Math.abs(v) < 10 ? 1 : 0 }).format(v) + '%');
  A.dateTime = (iso) => (iso ? dtf.format(new Date(iso)) : '—');
  A.date = (iso) => (iso ? df.format(new Date(iso.length === 10 ? iso + 'T12:00:00' : iso)) : '—');
  A.metric = (metric, v) => (metric === 'cost' ? A.money(v) : A.int(v));

  /** "3 min ago", "in 2 hr" — the biggest unit that fits. */
  A.rel = (iso) => {
    if (!iso) return '—';
    const s = (new Date(iso).getTime() - Date.now()) / 1000;
    const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
    for (const [unit, size] of units) {
      if (Math.abs(s) >= size) return rtf.format(Math.round(s / size), unit);
    }
    return rtf.format(Math.round(s), 'second');
  };
  /** An interval in seconds as a person says it: "90 s", "5 min", "1 h", "2 d". */
  A.duration = (seconds) => {
    if (seconds === null || seconds === undefined || seconds === '') return '—';
    if (typeof seconds === 'string') return seconds;
    for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
      if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
    }
    return seconds >= 60 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  };
  /** A reset countdown: "2h 13m", "3d 4h". */
  A.countdown = (iso) => {
    if (!iso) return '';
    let s = Math.max(0, (new Date(iso).getTime() - Date.now()) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.ceil(s / 60);
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    return `${m}m`;
  };

  // ---- DOM ------------------------------------------------------------------------
  /** el('div.card#x', {attr: v, onclick: fn}, child, ...) — children may be strings/arrays. */
  A.el = function el(spec, attrs, ...children) {
    const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(spec);
    const node = document.createElement(m ? m[1] : 'div');
    if (m && m[2]) {
      for (const part of m[2].match(/[.#][\w-]+/g)) {
        if (part[0] === '#') node.id = part.slice(1); else node.classList.add(part.slice(1));
      }
    }
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
      children.unshift(attrs);
      attrs = null;
    }
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else if (k === 'style' && typeof v === 'object') Object.assign(node.style, v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    const add = (c) => {
      if (c === null || c === undefined || c === false) return;
      if (Array.isArray(c)) c.forEach(add);
      else node.append(c instanceof Node ? c : String(c));
    };
    children.forEach(add);
    return node;
  };
  A.$ = (sel, root) => (root || document).querySelector(sel);
  A.fill = (target, ...children) => {
    const node = typeof target === 'string' ? A.$(target) : target;
    node.replaceChildren();
    children.flat(Infinity).forEach((c) => c !== null && c !== undefined && c !== false &&
      node.append(c instanceof Node ? c : String(c)));
    if (window.htmx) window.htmx.process(node);
    return node;
  };
  A.show = (sel, visible) => { const n = A.$(sel); if (n) n.hidden = !visible; };

  /** Status words to one of three colours. */
  A.level = (status) => {
    const s = String(status || '').toLowerCase();
    if (s === 'ok' || s === 'under' || s === 'ok_state') return 'ok';
    if (['warning', 'warn', 'degraded', 'rate_limited', 'never_collected', 'stale', 'unknown',
      'disabled', 'pending'].includes(s)) return 'warning';
    return 'critical';
  };
  A.statusWord = (status) => String(status || 'unknown').replace(/_/g, ' ');
  /** A labelled progress bar with an accessible value. */
  A.meter = (label, percent, right, state) => {
    const p = Math.max(0, Number(percent) || 0);
    const cls = state || (p >= 100 ? 'critical' : p >= 80 ? 'warning' : '');
    return A.el('div.meter', null,
      A.el('div.spread', null, A.el('span', null, label), A.el('span.num', null, right || '')),
      A.el('div.bar' + (cls ? '.' + cls : ''), {
        role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100,
        'aria-valuenow': Math.min(100, Math.round(p)), 'aria-valuetext': A.pct(p),
      }, A.el('span', { style: { width: Math.min(100, p) + '%' } })));
  };
  A.tile = (label, value, sub) =>
    A.el('div.tile', null, A.el('div.label', null, label), A.el('div.value', null, value),
      sub ? A.el('div.sub', null, sub) : null);

  /** A sparkline as inline SVG: cheap enough for dozens of cards, no chart library. */
  A.sparkline = (values, label) => {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    const w = 140, h = 36, vals = (values || []).map((v) => Number(v) || 0);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('class', 'sparkline');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    if (vals.length < 2) return svg;
    const max = Math.max(...vals) || 1, step = w / (vals.length - 1);
    const pts = vals.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`);
    const area = document.createElementNS(ns, 'path');
    area.setAttribute('d', `M0,${h} L${pts.join(' L')} L${w},${h} Z`);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', pts.join(' '));
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(area, line);
    return svg;
  };

  // ---- toasts ---------------------------------------------------------------------
  A.toast = (text, level, hint) => {
    const box = A.$('#toasts');
    if (!box) return;
    const t = A.el('div.toast.' + (level || 'ok'), null, A.el('div', null, text),
      hint ? A.el('div.muted', null, hint) : null);
    box.append(t);
    setTimeout(() => t.remove(), level === 'critical' || level === 'error' ? 12000 : 6000);
  };
  A.fail = (err) => {
    console.warn('aiusage:', err);
    A.toast(err.message || String(err), 'error', err.hint);
  };

  // ---- the API --------------------------------------------------------------------
  A.csrf = () => {
    const jar = Object.fromEntries(document.cookie.split(';').filter(Boolean).map((c) => {
      const i = c.indexOf('=');
      return [c.slice(0, i).trim(), decodeURIComponent(c.slice(i + 1).trim())];
    }));
    for (const name of CSRF_COOKIES) if (jar[name]) return jar[name];
    return '';
  };
  function errorOf(status, data, fallback) {
    let detail = data && data.detail;
    if (Array.isArray(detail)) {
      detail = detail.map((d) => (d.loc ? d.loc.filter((x) => x !== 'body').join('.') + ': ' : '') + d.msg).join('; ');
    }
    const err = new Error(detail || fallback || `HTTP ${status}`);
    err.status = status;
    err.hint = data && data.hint;
    return err;
  }
  // A team member's own token (the Team page's sign-in), kept for this tab only and sent
  // as a Bearer header on the team API; the owner's pages use the cookie instead.
  const TEAM_TOKEN = 'aiusage_team_token';
  const TEAM_API = '/api/v1/team/';
  A.teamToken = (value) => {
    try {
      if (value === null) sessionStorage.removeItem(TEAM_TOKEN);
      else if (value !== undefined) sessionStorage.setItem(TEAM_TOKEN, value);
      return sessionStorage.getItem(TEAM_TOKEN) || '';
    } catch (e) { return ''; } // storage refused (a locked-down browser): no sign-in
  };
  /** fetch JSON; writes carry the CSRF header; 4xx/5xx throw with the API's detail and hint.
   *  ``text: true`` returns the body as text (a CSV download). */
  A.api = async (path, opts) => {
    const o = opts || {};
    const method = o.method || 'GET';
    const headers = { Accept: o.text ? '*/*' : 'application/json' };
    let body;
    if (method !== 'GET') headers['X-CSRF-Token'] = A.csrf();
    const token = path.startsWith(TEAM_API) ? A.teamToken() : '';
    if (token) headers.Authorization = 'Bearer ' + token;
    if (o.raw !== undefined) { headers['Content-Type'] = o.type || 'text/plain'; body = o.raw; }
    else if (o.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(o.body); }
    const res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
    const text = await res.text();
    if (res.ok && o.text) return text;
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text.slice(0, 200) }; }
    if (!res.ok) throw errorOf(res.status, data, res.statusText);
    return data;
  };
  A.query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v)) v.forEach((x) => x !== '' && q.append(k, x));
      else if (v !== null && v !== undefined && v !== '') q.set(k, v);
    }
    const s = q.toString();
    return s ? '?' + s : '';
  };

  // ---- status badge ---------------------------------------------------------------
  A.setBadge = (status) => {
    const b = A.$('#status-badge');
    if (!b) return;
    const level = A.level(status);
    b.className = 'badge ' + level;
    b.textContent = { ok: 'All good', warning: 'Warning', critical: 'Critical' }[level];
    b.title = 'Overall status: ' + b.textContent;
  };
  A.refreshBadge = () =>
    A.api('/api/v1/overview').then((d) => A.setBadge(d.status)).catch(() => {});

  // ---- charts ---------------------------------------------------------------------
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1',
    '#ff9da7', '#9c755f', '#bab0ac', '#2f6fde', '#86bcb6'];
  const charts = new Map();
  A.css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  /** Theme from the CSS variables, so charts follow light/dark like the rest. */
  A.chartBase = () => {
    const text = A.css('--text'), muted = A.css('--muted'), line = A.css('--line');
    const axis = { axisLine: { lineStyle: { color: line } }, axisLabel: { color: muted },
      splitLine: { lineStyle: { color: line } }, axisTick: { lineStyle: { color: line } } };
    return {
      color: palette, backgroundColor: 'transparent', animationDuration: 300,
      textStyle: { color: text, fontFamily: 'inherit' },
      legend: { textStyle: { color: muted }, type: 'scroll', pageTextStyle: { color: muted } },
      tooltip: { backgroundColor: A.css('--panel'), borderColor: line, textStyle: { color: text } },
      axis,
    };
  };
  A.chart = (id, option) => {
    if (!window.echarts) return null;
    const node = document.getElementById(id);
    if (!node) return null;
    let c = charts.get(id);
    if (!c || c.isDisposed()) {
      c = window.echarts.init(node, null, { renderer: 'canvas' });
      charts.set(id, c);
    }
    c.setOption(option, true);
    return c;
  };
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

  // ---- live updates ---------------------------------------------------------------
  let refresh = null, timer = null, running = false, again = false;
  let gapMs = 0, lastRun = 0; // a page's throttle: live events refresh it at most this often
  A.reload = (now) => {
    // Debounced: a burst of events costs one round of requests. Called with an argument
    // (a person's click or change) it skips the page's throttle.
    clearTimeout(timer);
    const wait = now ? 300 : Math.max(300, lastRun + gapMs - Date.now());
    timer = setTimeout(async () => {
      if (!refresh) return;
      if (running) { again = true; return; }
      running = true;
      lastRun = Date.now();
      try { await refresh(); } catch (e) { A.fail(e); } finally {
        running = false;
        if (again) { again = false; A.reload(); }
      }
    }, wait);
  };
  A.lastEvent = null;
  let connected = false, polling = null;
  /** Live updates by polling instead (EventSource cannot send a Bearer header). */
  A.poll = (ms) => {
    if (polling) return;
    polling = setInterval(() => { if (!document.hidden) A.reload(); }, ms);
    const live = A.$('#live'), every = A.duration(Math.round(ms / 1000));
    if (live) Object.assign(live, { className: 'live on', textContent: 'every ' + every, title: 'Refreshed every ' + every });
  };
  /** The owner's live stream and status badge (pages with ``live: false`` call it). */
  A.live = () => {
    if (document.body.dataset.page !== 'overview') A.refreshBadge();
    connect();
  };
  function connect() {
    if (!window.EventSource || connected) return;
    connected = true;
    const live = A.$('#live');
    const es = new EventSource('/api/v1/events');
    const set = (on) => { if (live) { live.className = 'live ' + (on ? 'on' : 'off'); live.textContent = on ? 'live' : 'offline'; } };
    es.onopen = () => set(true);
    es.onerror = () => set(es.readyState === EventSource.OPEN);
    for (const type of ['usage', 'observation', 'health', 'alert']) {
      es.addEventListener(type, (ev) => {
        let data = {};
        try { data = JSON.parse(ev.data || '{}'); } catch (e) { /* a bare ping */ }
        A.lastEvent = { type, data, at: Date.now() };
        document.dispatchEvent(new CustomEvent('aiusage:' + type, { detail: data }));
        if (type === 'alert') {
          A.toast(data.title || 'Alert', A.level(data.severity) === 'ok' ? 'ok' : A.level(data.severity));
        }
        if (document.body.dataset.page !== 'overview') A.refreshBadge();
        A.reload();
      });
    }
    window.addEventListener('pagehide', () => es.close());
  }

  /** Called once by each page script with its refresh function. Options: ``live: false``
   *  (the page calls A.live() or A.poll() itself once it knows who is looking),
   *  ``throttleMs`` (live events refresh the page at most this often). */
  A.page = (fn, opts) => {
    const o = opts || {};
    refresh = fn;
    gapMs = o.throttleMs || 0;
    const start = () => {
      running = true;
      Promise.resolve().then(fn).catch(A.fail).finally(() => {
        running = false;
        if (!document.body.dataset.ready) window.aiusageReadyAt = performance.now();
        document.body.dataset.ready = '1';
        if (again) { again = false; A.reload(); }
      });
      lastRun = Date.now();
      if (o.live !== false) A.live();
      // Countdowns and "updated … ago" move on, and a dropped stream is papered over.
      setInterval(() => { if (!document.hidden) A.reload(); }, 60000);
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  };
  // Charts and colours follow a change of the system theme without a reload.
  if (window.matchMedia) {
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => A.reload());
  }

  // ---- htmx: CSRF header, JSON bodies, results as toasts ------------------------------
  // htmx (loaded just before this script) sends the one-click actions; this extension,
  // named on <body>, adds the CSRF header and sends hx-vals as JSON like fetch() does.
  if (window.htmx) {
    window.htmx.defineExtension('aiusage-json', {
      onEvent(name, evt) {
        if (name === 'htmx:configRequest') {
          evt.detail.headers['X-CSRF-Token'] = A.csrf();
          evt.detail.headers.Accept = 'application/json';
          if (evt.detail.verb !== 'get') evt.detail.headers['Content-Type'] = 'application/json';
        }
        return true;
      },
      encodeParameters(xhr, parameters) {
        const out = {};
        for (const [k, v] of parameters.entries()) out[k] = v;
        return JSON.stringify(out);
      },
    });
    document.addEventListener('htmx:afterRequest', (evt) => {
      const elt = evt.detail.elt, xhr = evt.detail.xhr;
      let data = null;
      try { data = JSON.parse(xhr.responseText || 'null'); } catch (e) { data = null; }
      if (evt.detail.successful) {
        let msg = (data && typeof data.message === 'string' && data.message) || elt.dataset.toast;
        if (data && Array.isArray(data.results)) {
          const good = data.results.filter((r) => r.status === 'ok').length;
          msg = `Collected ${good} of ${data.results.length} accounts`;
        }
        const ok = !(data && data.ok === false);
        let level = ok ? 'ok' : 'warning';
        if (data && Array.isArray(data.results) && data.results.some((r) => r.status !== 'ok')) level = 'warning';
        if (msg) A.toast(msg, level, data && data.hint);
        A.refreshBadge();
        A.reload();
      } else {
        A.fail(errorOf(xhr.status, data, xhr.status ? `HTTP ${xhr.status}` : 'The server did not answer'));
      }
    });
  }
})();
