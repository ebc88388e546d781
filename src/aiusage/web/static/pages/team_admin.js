/* Team page, admins only: add members (their token shown once), change roles,
   departments, emails and who is disabled, tokens for more machines and revoking them,
   cost-centre rules, the audit log. Drawn through aiusage.team.hooks after team.js has
   the overview; hidden (and never fetched) for members and viewers. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el, T = A.team;
  const API = '/api/v1/team';
  const AUDIT_PAGE = 20;
  const ACTIONS = {
    'user.add': 'added member', 'user.change': 'changed member', 'user.disable': 'disabled member',
    'user.enable': 'enabled member', 'token.add': 'made a token for', 'token.revoke': 'revoked a token of',
    'budget.set': 'set budget', 'budget.remove': 'removed budget', 'tags.set': 'set the cost-centre rules',
  };
  let users = [], tokens = [], rules = [];
  let auditShown = AUDIT_PAGE, auditLast = null, rulesDirty = false, editing = null, opener = null;
  const path = (name) => `${API}/users/${encodeURIComponent(name)}`;

  // ---- a new token, shown once -------------------------------------------------------
  function showToken(name, token) {
    opener = document.activeElement;
    A.fill('#token-dialog-h', `Token for ${name}`);
    A.fill('#token-who', name);
    A.$('#token-value').value = token;
    A.$('#token-cmd').value = `aiusage team join ${location.origin}`;
    A.$('#token-dialog').showModal();
    A.$('#token-value').select();
  }

  async function copy(input, button) {
    input.select();
    let done = false;
    try { await navigator.clipboard.writeText(input.value); done = true; } catch (e) {
      try { done = document.execCommand('copy'); } catch (e2) { done = false; }
    }
    const was = button.dataset.label || (button.dataset.label = button.textContent);
    button.textContent = done ? 'Copied ✓' : 'Press Ctrl+C';
    setTimeout(() => { button.textContent = was; }, 2500);
  }

  // ---- members ------------------------------------------------------------------------
  function personRow(u) {
    const privacy = [u.hide_projects ? 'projects hidden' : null, u.leaderboard ? 'on leaderboard' : null].filter(Boolean);
    return el('tr', { 'data-user': u.name },
      el('td', null, el('strong', null, u.name), el('div.muted.small', null, `since ${A.date(u.created)}`)),
      el('td', null, u.role),
      el('td', null, u.department || el('span.muted', null, '—')),
      el('td.hide-phone', null, u.email || el('span.muted', null, '—')),
      el('td.hide-phone', null, privacy.length ? privacy.map((p) => el('span.chip', null, p)) : el('span.muted', null, '—')),
      el('td', null, u.disabled ? el('span.badge.warning', { title: A.dateTime(u.disabled) }, 'disabled')
        : el('span.badge.ok', null, 'active')),
      el('td', null, el('div.actions', null,
        el('button', { type: 'button', onclick: () => edit(u), 'aria-label': `Change ${u.name}` }, 'Change'),
        el('button' + (u.disabled ? '' : '.danger'), { type: 'button', onclick: () => toggle(u),
          'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.name}` }, u.disabled ? 'Enable' : 'Disable'))));
  }

  function edit(u) {
    editing = u.name;
    opener = document.activeElement;
    const f = A.$('#edit-form');
    A.fill('#edit-h', `Change ${u.name}`);
    f.role.value = u.role;
    f.department.value = u.department;
    f.email.value = u.email;
    f.hide_projects.checked = u.hide_projects;
    f.leaderboard.checked = u.leaderboard;
    f.disabled.checked = Boolean(u.disabled);
    A.$('#edit-dialog').showModal();
    f.role.focus();
  }

  async function saveEdit(ev) {
    ev.preventDefault();
    const f = ev.target, u = users.find((x) => x.name === editing);
    if (!u) return;
    const now = { role: f.role.value, department: f.department.value.trim(), email: f.email.value.trim(),
      hide_projects: f.hide_projects.checked, leaderboard: f.leaderboard.checked, disabled: f.disabled.checked };
    const body = {};
    for (const [k, v] of Object.entries(now)) if (v !== (k === 'disabled' ? Boolean(u.disabled) : u[k])) body[k] = v;
    if (!Object.keys(body).length) { A.$('#edit-dialog').close(); return; }
    try {
      await A.api(path(u.name), { method: 'PATCH', body });
      A.$('#edit-dialog').close();
      A.toast(`${u.name} changed: ${Object.keys(body).join(', ').replace(/_/g, ' ')}`);
      A.reload(true);
    } catch (e) { T.failed(`Could not change ${u.name}`)(e); }
  }

  async function toggle(u) {
    const disable = !u.disabled;
    if (disable && !confirm(`Disable ${u.name}? Their tokens stop working at once; their history stays.`)) return;
    try {
      await A.api(path(u.name), { method: 'PATCH', body: { disabled: disable } });
      A.toast(`${u.name} ${disable ? 'disabled' : 'enabled'}`);
      A.reload(true);
    } catch (e) { T.failed(`Could not ${disable ? 'disable' : 'enable'} ${u.name}`)(e); }
  }

  async function addMember(ev) {
    ev.preventDefault();
    const f = ev.target;
    if (!f.reportValidity()) return;
    const body = { name: f.name.value.trim(), role: f.role.value, department: f.department.value.trim(),
      email: f.email.value.trim(), label: f.label.value.trim() };
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const made = await A.api(`${API}/users`, { method: 'POST', body });
      f.reset();
      A.toast(`${made.name} added as ${made.role}`);
      showToken(made.name, made.token);
      A.reload(true);
    } catch (e) { T.failed(`Could not add ${body.name}`)(e); } finally { button.disabled = false; }
  }

  // ---- tokens -------------------------------------------------------------------------
  function tokenRow(t) {
    return el('tr', { 'data-token': t.id, class: t.revoked ? 'inactive' : null },
      el('td.num', null, t.id),
      el('td', null, t.user),
      el('td', null, t.label || el('span.muted', null, '—')),
      el('td.hide-phone', { title: A.dateTime(t.created) }, A.date(t.created)),
      el('td', { title: t.last_used ? A.dateTime(t.last_used) : 'never used' }, t.last_used ? A.rel(t.last_used) : 'never'),
      el('td', null, t.revoked ? el('span.badge.critical', { title: A.dateTime(t.revoked) }, 'revoked')
        : el('span.badge.ok', null, 'active')),
      el('td', null, t.revoked ? el('span.muted', null, A.date(t.revoked))
        : el('button.danger', { type: 'button', onclick: () => revoke(t),
          'aria-label': `Revoke token ${t.id} of ${t.user}` }, 'Revoke')));
  }

  function drawTokens() {
    const all = A.$('#tokens-revoked').checked;
    const shown = tokens.filter((t) => all || !t.revoked).sort((a, b) => b.id - a.id);
    A.fill('#tokens-table tbody', shown.map(tokenRow));
    A.$('#tokens-table').hidden = shown.length === 0;
    A.show('#tokens-empty', shown.length === 0);
  }

  async function revoke(t) {
    const label = t.label ? ` (${t.label})` : '';
    if (!confirm(`Revoke token ${t.id}${label} of ${t.user}? Pushes with it are refused at once.`)) return;
    try {
      await A.api(`${API}/tokens/${t.id}`, { method: 'DELETE' });
      A.toast(`Token ${t.id} of ${t.user} revoked`, 'ok', `${t.user} needs a new token on that machine.`);
      A.reload(true);
    } catch (e) { T.failed(`Could not revoke token ${t.id}`)(e); }
  }

  async function addToken(ev) {
    ev.preventDefault();
    const f = ev.target, name = f.user.value;
    if (!name) { A.toast('Add a member first.', 'warning'); return; }
    try {
      const made = await A.api(path(name) + '/tokens', { method: 'POST', body: { label: f.label.value.trim() } });
      f.label.value = '';
      showToken(name, made.token);
      A.reload(true);
    } catch (e) { T.failed(`Could not make a token for ${name}`)(e); }
  }

  // ---- cost centres -------------------------------------------------------------------
  function drawRules(focus) {
    const n = rules.length;
    A.fill('#cc-rules', rules.map((r, i) => el('li', null,
      el('label.sr-only', { for: `cc-p-${i}` }, `Project pattern of rule ${i + 1}`),
      el('input', { id: `cc-p-${i}`, value: r.pattern, placeholder: 'shop-*', required: true, maxlength: 512,
        spellcheck: 'false', oninput: (e) => { r.pattern = e.target.value; dirty(); } }),
      el('span.arrow', { 'aria-hidden': 'true' }, '→'),
      el('label.sr-only', { for: `cc-c-${i}` }, `Cost centre of rule ${i + 1}`),
      el('input', { id: `cc-c-${i}`, value: r.cost_centre, placeholder: 'retail', required: true, maxlength: 128,
        oninput: (e) => { r.cost_centre = e.target.value; dirty(); } }),
      el('span.actions', null,
        el('button', { type: 'button', disabled: i === 0, 'data-move': 'up', 'aria-label': `Move rule ${i + 1} up`,
          onclick: () => move(i, -1) }, '↑'),
        el('button', { type: 'button', disabled: i === n - 1, 'data-move': 'down', 'aria-label': `Move rule ${i + 1} down`,
          onclick: () => move(i, 1) }, '↓'),
        el('button.danger', { type: 'button', 'aria-label': `Remove rule ${i + 1}`, onclick: () => drop(i) }, 'Remove')))));
    A.show('#cc-empty', n === 0);
    if (focus) A.$(focus)?.focus();
  }
  const dirty = () => { rulesDirty = true; A.fill('#cc-state', 'Not saved yet.'); };
  function move(i, by) {
    [rules[i], rules[i + by]] = [rules[i + by], rules[i]];
    dirty();
    drawRules(`#cc-rules li:nth-child(${i + by + 1}) [data-move=${by < 0 ? 'up' : 'down'}]:not([disabled])`);
  }
  function drop(i) { rules.splice(i, 1); dirty(); drawRules('#cc-add'); }

  async function saveRules(ev) {
    ev.preventDefault();
    const clean = rules.map((r) => ({ pattern: r.pattern.trim(), cost_centre: r.cost_centre.trim() }));
    const bad = clean.findIndex((r) => !r.pattern || !r.cost_centre);
    if (bad >= 0) {
      A.toast(`Rule ${bad + 1} needs both a project pattern and a cost centre.`, 'warning');
      A.$(`#cc-${clean[bad].pattern ? 'c' : 'p'}-${bad}`).focus();
      return;
    }
    try {
      const saved = await A.api(`${API}/cost-centres`, { method: 'PUT', body: { rules: clean } });
      rules = saved.rules.map((r) => ({ ...r }));
      rulesDirty = false;
      drawRules();
      A.fill('#cc-state', 'Saved.');
      A.toast(`Cost-centre rules saved (${saved.rules.length})`);
      A.reload(true);
    } catch (e) { T.failed('Could not save the cost-centre rules')(e); }
  }

  // ---- the audit log ------------------------------------------------------------------
  function detailWords(e) {
    const d = e.detail || {};
    if (e.action === 'tags.set') {
      const n = (d.rules || []).length;
      return n ? (d.rules || []).map(([p, c]) => `${p} → ${c}`).join(', ') : 'no rule';
    }
    return Object.entries(d).map(([k, v]) => {
      if (k === 'email') return v ? 'email set' : 'no email';
      if (k === 'token_id') return `token ${v}`;
      if (typeof v === 'boolean') return `${k.replace(/_/g, ' ')}: ${v ? 'yes' : 'no'}`;
      if (v === '' || v === null) return null;
      return `${k.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : v}`;
    }).filter(Boolean).join(', ');
  }
  const auditRow = (e) => el('tr', { 'data-audit': e.id },
    el('td', { title: A.dateTime(new Date(e.ts_ms).toISOString()) }, A.rel(new Date(e.ts_ms).toISOString())),
    el('td', null, e.actor),
    el('td', null, `${ACTIONS[e.action] || e.action} `, el('strong', null, e.target)),
    el('td.muted', null, detailWords(e) || '—'));

  function drawAudit(entries, append) {
    const body = A.$('#audit-table tbody');
    if (append) entries.forEach((e) => body.append(auditRow(e))); else A.fill(body, entries.map(auditRow));
    const count = body.children.length;
    A.$('#audit-table').hidden = count === 0;
    A.show('#audit-empty', count === 0);
    if (entries.length) auditLast = entries[entries.length - 1].id;
  }

  async function older() {
    try {
      const got = await A.api(`${API}/audit` + A.query({ limit: AUDIT_PAGE, before: auditLast }));
      drawAudit(got.entries, true);
      auditShown += got.entries.length;
      A.show('#audit-older', got.entries.length === AUDIT_PAGE);
      A.toast(got.entries.length ? `${got.entries.length} older entries` : 'No older entry');
    } catch (e) { T.failed('Could not read the audit log')(e); }
  }

  // ---- drawn after each refresh, for admins -------------------------------------------
  T.hooks.push(async (me) => {
    const admin = me.role === 'admin';
    A.show('#team-admin', admin);
    if (!admin) return;
    const limit = Math.min(1000, Math.max(AUDIT_PAGE, auditShown));
    const [u, tk, au, cc] = await Promise.all([
      A.api(`${API}/users`), A.api(`${API}/tokens`), A.api(`${API}/audit` + A.query({ limit })),
      rulesDirty ? null : A.api(`${API}/cost-centres`)]);
    users = u.users;
    tokens = tk.tokens;
    A.fill('#people-table tbody', users.map(personRow));
    const picked = A.$('#t-user').value;
    A.fill('#t-user', users.filter((x) => !x.disabled && x.role !== 'viewer')
      .map((x) => el('option', { value: x.name, selected: x.name === picked }, x.name)));
    const depts = [...new Set(users.map((x) => x.department).filter(Boolean))].sort();
    A.fill('#dept-list', depts.map((d) => el('option', { value: d })));
    drawTokens();
    drawAudit(au.entries, false);
    A.show('#audit-older', au.entries.length === limit);
    if (cc) { rules = cc.rules.map((r) => ({ ...r })); drawRules(); }
    // A token is "used" when it signs anything in (a join checks it, a push sends with it).
    const used = tokens.some((t) => t.last_used);
    if (!used && users.length && T.overview && T.overview.totals.members_active === 0) {
      A.fill('#team-quiet', el('strong', null, 'No member has joined yet.'), ' Each one runs ',
        el('code', null, `aiusage team join ${location.origin}`), ' on their machine and pastes their token; ',
        'their usage shows up here after the first push.');
    }
  });

  function start() {
    A.$('#add-member-form').addEventListener('submit', addMember);
    A.$('#add-token-form').addEventListener('submit', addToken);
    A.$('#edit-form').addEventListener('submit', saveEdit);
    A.$('#edit-cancel').addEventListener('click', () => A.$('#edit-dialog').close());
    A.$('#tokens-revoked').addEventListener('change', drawTokens);
    A.$('#cc-form').addEventListener('submit', saveRules);
    A.$('#cc-add').addEventListener('click', () => {
      rules.push({ pattern: '', cost_centre: '' });
      dirty();
      drawRules(`#cc-p-${rules.length - 1}`);
    });
    A.$('#audit-older').addEventListener('click', older);
    A.$('#token-copy').addEventListener('click', (e) => copy(A.$('#token-value'), e.currentTarget));
    A.$('#cmd-copy').addEventListener('click', (e) => copy(A.$('#token-cmd'), e.currentTarget));
    for (const id of ['#token-dialog', '#edit-dialog']) {
      A.$(id).addEventListener('close', () => {
        if (id === '#token-dialog') A.$('#token-value').value = ''; // shown once: gone from the page
        if (opener && document.contains(opener)) opener.focus();
      });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
