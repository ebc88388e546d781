/* Team: who is looking (the owner, or a member signed in with their own token), the
   team's totals, members, one member's detail, departments, projects, leaderboard,
   budgets and the chargeback. The admin panels are in team_admin.js, which hooks in
   through aiusage.team. Everything comes from /api/v1/team/*, whose roles decide what
   each person may see; this page only leaves out what the answers leave out. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  const WORD = { today: 'today', week: 'this week', month: 'this month' };
  const POLL_MS = 30000; // members: EventSource cannot send their Bearer header
  const T = (A.team = { me: null, overview: null, period: 'month', selected: null, hooks: [] });
  let mode = null; // 'owner' (cookie or loopback) or 'token' (a team token in this tab)
  let signInError = null;

  /** A refused request as a toast: what failed, the API's words, and the fix. */
  T.failed = (what) => (err) => {
    const fixes = {
      401: 'Sign in again with a valid team token.',
      403: 'Your role does not allow this; an admin can do it.',
      404: 'It may have been removed meanwhile; the page is refreshed.',
      409: 'Pick another name.',
      422: 'Correct the named field and try again.',
    };
    A.toast(`${what}: ${err.message || err}`, 'error', err.hint || fixes[err.status] || '');
    if (err.status === 401 || err.status === 404) A.reload(true);
  };
  T.scopeWord = (scope) => {
    const [kind, value] = String(scope || '').split(':');
    if (kind === 'team') return 'whole team';
    if (kind === 'department') return `${value} department`;
    if (kind === 'user') return `${value}'s quota`;
    return scope;
  };
  T.share = (part, total, label) => {
    const p = total > 0 ? (part / total) * 100 : 0;
    return el('div.share', null,
      el('div.bar', { role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100,
        'aria-valuenow': Math.round(p), 'aria-valuetext': A.pct(p) }, el('span', { style: { width: p + '%' } })),
      el('span.num.muted', null, A.pct(p)));
  };
  /** "(hidden)" (a member keeps project names to themselves) and "(other)" (groups too
   *  small to show to a non-admin without naming a person, folded together). */
  const MARKED = {
    '(hidden)': 'A member keeps these project names to themselves',
    '(other)': 'Groups of fewer than three people, folded together so nobody\'s spend shows alone',
  };
  T.name = (value, none) => (MARKED[value] ? el('span.chip.marked', { title: MARKED[value] }, value)
    : value || el('span.muted', null, none));
  const cells = (r, hide) => [el('td.num.c-cost', null, A.money(r.cost_usd)),
    el('td.num.hide-phone', { title: A.int(r.tokens) }, A.compact(r.tokens)),
    hide === 'requests' ? null : el('td.num.hide-phone', null, A.int(r.requests))];

  // ---- who is looking ----------------------------------------------------------------
  async function whoAmI() {
    try { return await A.api('/api/v1/team/me'); } catch (e) {
      if (e.status !== 401) throw e;
      if (A.teamToken()) {
        signInError = `That token was not accepted (${e.message}). Check it was copied whole, ` +
          'or ask your team\'s admin for a new one.';
        A.teamToken(null);
      }
      return null;
    }
  }

  function showSignIn() {
    A.show('#team-main', false);
    A.show('#team-who', false);
    A.show('#team-signin', true);
    const box = A.$('#signin-error');
    box.hidden = !signInError;
    box.textContent = signInError || '';
    A.$('#signin-token').setAttribute('aria-invalid', signInError ? 'true' : 'false');
    ownerChrome(false);
    A.$('#live').hidden = true;
  }

  /** The owner's nav links, status badge and footer links answer 401 to a member. */
  function ownerChrome(show) {
    document.querySelectorAll('.nav a:not([href="/team"]), #status-badge, [data-owner-only]')
      .forEach((n) => { n.hidden = !show; });
    A.$('.brand').setAttribute('href', show ? '/' : '/team');
  }

  function applyMode(me) {
    const next = A.teamToken() ? 'token' : 'owner';
    A.show('#team-signin', false);
    A.show('#team-main', true);
    A.show('#team-who', true);
    const who = me.owner ? 'the server\'s owner (admin)' : `${me.name} (${me.role})`;
    A.fill('#team-signed-in', 'Signed in as ', el('strong', null, who));
    A.show('#team-signout', next === 'token');
    document.querySelectorAll('[data-admin-only]').forEach((n) => { n.hidden = me.role !== 'admin'; });
    if (mode === next) return;
    mode = next;
    ownerChrome(next === 'owner');
    A.$('#live').hidden = false;
    if (next === 'owner') A.live(); else A.poll(POLL_MS);
  }

  // ---- the team ----------------------------------------------------------------------
  function tiles(o) {
    const t = o.totals, w = WORD[o.period];
    A.fill('#team-tiles',
      A.tile('Spent today', A.money(t.today_usd)),
      A.tile('Spent this week', A.money(t.week_usd)),
      A.tile('Spent this month', A.money(t.month_usd)),
      A.tile('Tokens ' + w, A.compact(t.tokens), A.int(t.tokens)),
      A.tile('Requests ' + w, A.int(t.requests)),
      A.tile('Active members ' + w, `${A.int(t.members_active)} of ${A.int(t.members)}`,
        t.members ? 'pushed usage in the period' : 'nobody added yet'));
    const range = o.first_day === o.last_day ? A.date(o.first_day)
      : `${A.date(o.first_day)} – ${A.date(o.last_day)}`;
    A.fill('#team-range', `${range} · days in ${o.timezone}`);
  }

  function memberRow(m, total) {
    const open = T.selected === m.name;
    return el('tr', { 'data-member': m.name, class: m.active ? null : 'inactive' },
      el('td.c-name', null, el('button.link', { type: 'button', 'aria-expanded': String(open),
        'aria-controls': 'member-detail', onclick: () => select(m.name),
        'aria-label': `${m.name}: show the detail` }, m.name),
      m.active ? null : el('span.chip.off', null, 'disabled')),
      el('td.c-dept', null, m.department || el('span.muted', null, '—')),
      el('td.c-role', null, m.role || '—'),
      cells(m),
      el('td.share-col', null, T.share(m.cost_usd, total, `${m.name}'s share of the team's spend`)));
  }

  function breakdowns(o) {
    const total = o.departments.reduce((a, d) => a + d.cost_usd, 0);
    A.fill('#depts-table tbody', o.departments.map((d) => el('tr', null,
      el('td', null, T.name(d.department, '(none)')), el('td.num', null, A.int(d.members)), cells(d, 'requests'),
      el('td.share-col.hide-phone', null, T.share(d.cost_usd, total, `${d.department}'s share`)))));
    A.show('#depts-empty', o.departments.length === 0);
    A.fill('#projects-table tbody', o.projects.map((p) => el('tr', null,
      el('td', null, T.name(p.project, '(no project)')), cells(p))));
    A.show('#projects-empty', o.projects.length === 0);
    const names = [...o.departments.map((d) => d.department), ...o.projects.map((p) => p.project)];
    A.show('#folded-note', names.includes('(other)'));
    A.show('#leaderboard-panel', o.viewer.role !== 'viewer');
    A.fill('#leaderboard', o.leaderboard.map((r) => el('li', null,
      el('span.rank', { 'aria-hidden': 'true' }, r.rank), el('span.who', null, r.name,
        r.department ? el('span.muted', null, ` · ${r.department}`) : null),
      el('span.num', null, A.money(r.cost_usd)))));
    A.show('#board-empty', o.leaderboard.length === 0);
    A.fill('#team-budgets', o.budgets.map(T.budget));
    A.show('#team-budgets-empty', o.budgets.length === 0);
  }

  /** A budget as the budgets page draws it, read-only. */
  T.budget = (b) => {
    const level = A.level(b.state);
    const spent = b.limit_usd != null ? `${A.money(b.spent_usd)} of ${A.money(b.limit_usd)}`
      : b.limit_tokens != null ? `${A.compact(b.spent_tokens)} of ${A.compact(b.limit_tokens)} tokens`
        : `${A.int(b.spent_requests)} of ${A.int(b.limit_requests)} requests`;
    return el('article.card.budget-row', { 'data-budget': b.name, 'aria-label': 'Budget ' + b.name },
      el('div.card-head', null, el('div', null, el('h3', null, b.name),
        el('span.chip', null, T.scopeWord(b.scope)), el('span.chip', null, b.period)),
      el('span.badge.' + level, null, A.statusWord(b.state))),
      A.meter(`${A.date(b.first_day)} – ${A.date(b.last_day)}`, b.percent, spent,
        level === 'ok' ? (b.percent >= b.warn_percent ? 'warning' : '') : level),
      b.projected_usd != null ? el('p.muted', null, `Projected ${A.money(b.projected_usd)} by ${A.date(b.last_day)}` +
        (b.exhausts_on ? ` · limit reached ${A.date(b.exhausts_on)}` : '')) : null);
  };

  function states(o, me) {
    const t = o.totals;
    const none = me.role === 'admin' && t.members === 0 && o.members.length === 0;
    A.show('#team-empty', none);
    A.fill('#team-join-cmd', `aiusage team join ${location.origin}`);
    const quiet = !none && t.members_active === 0;
    A.$('#team-quiet').hidden = !quiet;
    if (quiet) {
      A.fill('#team-quiet', el('strong', null, `Nobody has pushed usage ${WORD[o.period]}.`), ' ',
        me.role === 'admin' ? ['Members push once they have run ', el('code', null, `aiusage team join ${location.origin}`),
          ' with their token; ', el('code', null, 'aiusage team status'), ' on their machine shows the last push.']
          : 'Try a longer period.');
    }
    A.show('#viewer-note', me.role === 'viewer');
  }

  // ---- one member's detail --------------------------------------------------------------
  function select(name) {
    T.selected = T.selected === name && T.me.role === 'admin' ? null : name;
    history.replaceState(null, '', T.selected ? '#member=' + encodeURIComponent(T.selected) : location.pathname);
    document.querySelectorAll('#members-table button.link').forEach((b) =>
      b.setAttribute('aria-expanded', String(b.closest('tr').dataset.member === T.selected)));
    if (!T.selected) { A.show('#member-detail', false); return; }
    detail(T.selected).then(() => A.$('#member-detail').focus()).catch(T.failed(`Could not show ${name}`));
  }

  async function detail(name) {
    const d = await A.api('/api/v1/team/members/' + encodeURIComponent(name));
    const u = d.user, self = T.me && T.me.name === u.name;
    A.show('#member-detail', true);
    A.fill('#detail-h', self ? `Your usage (${u.name})` : u.name);
    A.show('#detail-close', T.me.role === 'admin');
    A.fill('#detail-sub', [u.role, u.department || 'no department', u.email,
      u.disabled ? `disabled ${A.date(u.disabled)}` : null].filter(Boolean).join(' · '));
    const sum = (k) => d.days.reduce((a, x) => a + x[k], 0);
    A.fill('#detail-tiles', A.tile('Today', A.money(d.totals.today_usd)),
      A.tile('This week', A.money(d.totals.week_usd)), A.tile('This month', A.money(d.totals.month_usd)),
      A.tile('Last 30 days', A.money(sum('cost_usd')), `${A.compact(sum('tokens'))} tokens · ${A.int(sum('requests'))} requests`));
    chart(d.days);
    const rows = (sel, list, make, empty, cols) => {
      A.fill(sel + ' tbody', list.length ? list.map(make) : el('tr', null, el('td.muted', { colspan: cols }, empty)));
    };
    rows('#detail-sources', d.sources, (s) => el('tr', null, el('td', null, s.source), el('td', null, s.model || '—'), cells(s)),
      'No usage this month.', 5);
    rows('#detail-projects', d.projects, (p) => el('tr', null, el('td', null, T.name(p.project, '(no project)')), cells(p)),
      'No usage this month.', 4);
    rows('#detail-machines', d.machines, (m) => el('tr', null, el('td', null, m.machine || '(unnamed)'),
      el('td', { title: A.dateTime(new Date(m.last_seen_ms).toISOString()) }, A.rel(new Date(m.last_seen_ms).toISOString())),
      el('td.num', null, A.int(m.events))), 'Nothing pushed in the last 30 days.', 3);
    A.fill('#detail-budgets', d.budgets.length ? d.budgets.map(T.budget)
      : el('p.muted', null, `No quota for ${u.name}. An admin sets one with scope user:${u.name}.`));
    const privacy = A.$('#privacy-form');
    privacy.hidden = !self;
    privacy.hide_projects.checked = u.hide_projects;
    privacy.leaderboard.checked = u.leaderboard;
  }

  function chart(days) {
    const base = A.chartBase();
    A.$('#detail-chart').setAttribute('aria-label', 'Daily spend, last 30 days: ' +
      A.money(days.reduce((a, x) => a + x.cost_usd, 0)) + ' in all');
    A.chart('detail-chart', {
      ...base,
      legend: { show: false },
      grid: { left: 8, right: 12, top: 16, bottom: 8, containLabel: true },
      tooltip: { ...base.tooltip, trigger: 'axis', confine: true, valueFormatter: A.money },
      xAxis: { type: 'category', data: days.map((x) => A.date(x.day).replace(/, \d{4}$/, '')), ...base.axis,
        splitLine: { show: false } },
      yAxis: { type: 'value', ...base.axis,
        axisLabel: { ...base.axis.axisLabel, formatter: (v) => A.moneyShort(v) } },
      series: [{ name: 'Spend', type: 'bar', data: days.map((x) => x.cost_usd), barMaxWidth: 22,
        itemStyle: { color: A.css('--accent'), borderRadius: [3, 3, 0, 0] } }],
    });
  }

  async function savePrivacy(ev) {
    const f = A.$('#privacy-form');
    const body = { [ev.target.name]: ev.target.checked };
    try {
      await A.api('/api/v1/team/users/' + encodeURIComponent(T.me.name), { method: 'PATCH', body });
      A.toast(ev.target.name === 'leaderboard' ? (ev.target.checked ? 'You are on the leaderboard' : 'You left the leaderboard')
        : (ev.target.checked ? 'Your project names are hidden from others' : 'Your project names are shown'));
      A.reload(true);
    } catch (e) { ev.target.checked = !ev.target.checked; T.failed('Could not change your privacy')(e); }
    return f;
  }

  // ---- the chargeback (every role: a member's and a viewer's CSV has no member column) ----
  async function chargeback(ev) {
    ev.preventDefault();
    const month = A.$('#cb-month').value;
    const button = ev.target.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const csv = await A.api('/api/v1/team/chargeback.csv' + A.query({ month }), { text: true });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = el('a', { href: url, download: `aiusage-chargeback-${month || 'this-month'}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      const lines = csv.trim().split('\n').length - 1;
      A.toast(`Chargeback for ${month}: ${A.int(lines)} row${lines === 1 ? '' : 's'} downloaded`);
    } catch (e) { T.failed('Could not make the chargeback')(e); } finally { button.disabled = false; }
  }

  // ---- refresh ----------------------------------------------------------------------
  async function refresh() {
    const me = await whoAmI();
    T.me = me;
    if (!me) { showSignIn(); return; }
    signInError = null;
    applyMode(me);
    const o = await A.api('/api/v1/team/overview' + A.query({ period: T.period }));
    T.overview = o;
    tiles(o);
    states(o, me);
    const admin = me.role === 'admin';
    A.show('#members-panel', admin && o.members.length > 0);
    const total = o.members.reduce((a, m) => a + m.cost_usd, 0);
    A.fill('#members-table tbody', o.members.map((m) => memberRow(m, total)));
    const disabled = o.members.filter((m) => !m.active).length;
    A.fill('#members-sub', `${A.int(o.members.length)} in all, costliest first` + (disabled ? ` · ${disabled} disabled` : ''));
    breakdowns(o);
    if (!admin) T.selected = me.role === 'member' && !me.owner ? me.name : null;
    if (T.selected) {
      await detail(T.selected).catch((e) => {
        if (e.status !== 403 && e.status !== 404) throw e;
        A.toast(`Cannot show ${T.selected}: ${e.message}`, 'error', e.hint);
        T.selected = null;
        history.replaceState(null, '', location.pathname);
        A.show('#member-detail', false);
      });
    } else A.show('#member-detail', false);
    for (const hook of T.hooks) await hook(me, o);
  }

  async function signIn(ev) {
    ev.preventDefault();
    const input = A.$('#signin-token');
    const token = input.value.trim();
    if (!token) { signInError = 'Paste your team token first.'; showSignIn(); input.focus(); return; }
    A.teamToken(token);
    input.value = '';
    signInError = null;
    mode = null;
    await refresh().catch(A.fail);
    if (!T.me) input.focus();
  }

  function start() {
    const m = /^#member=(.+)$/.exec(location.hash);
    if (m) T.selected = decodeURIComponent(m[1]);
    const now = new Date();
    A.$('#cb-month').value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    for (const b of document.querySelectorAll('#team-period button')) {
      b.addEventListener('click', () => {
        T.period = b.dataset.period;
        document.querySelectorAll('#team-period button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
        A.reload(true);
      });
    }
    A.$('#signin-form').addEventListener('submit', signIn);
    A.$('#team-signout').addEventListener('click', () => { A.teamToken(null); location.replace('/team'); });
    A.$('#detail-close').addEventListener('click', () => {
      const name = T.selected;
      select(name);
      A.$(`#members-table tr[data-member="${CSS.escape(name)}"] button`)?.focus();
    });
    A.$('#privacy-form').addEventListener('change', savePrivacy);
    A.$('#chargeback-form').addEventListener('submit', chargeback);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
  A.page(refresh, { live: false, throttleMs: 5000 });
})();
