/* Accounts: list with status and actions (htmx buttons), and the add form (key write-only). */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  let providers = {};
  let editing = null; // the account the form changes (PUT), or null to add one (POST)

  function providerList(d) {
    // The API may answer a list, or {"providers": list-or-map}: take whichever comes.
    const raw = d && d.providers !== undefined ? d.providers : d;
    const list = Array.isArray(raw) ? raw : Object.entries(raw || {}).map(([name, p]) => ({ name, ...p }));
    return list.map((p) => (typeof p === 'string' ? { name: p, label: p } : p));
  }

  function actionButton(label, path, name, opts) {
    const o = opts || {};
    return el('button' + (o.danger ? '.danger' : ''), {
      type: 'button', 'hx-post': o.method === 'delete' ? null : path,
      'hx-delete': o.method === 'delete' ? path : null, 'hx-swap': 'none',
      'hx-confirm': o.confirm || null, 'data-toast': o.toast || null,
      'aria-label': `${label} ${name}`,
    }, label);
  }

  function row(a) {
    const base = '/api/v1/accounts/' + encodeURIComponent(a.name);
    const level = a.enabled === false ? 'warning' : A.level(a.status);
    return el('tr', { 'data-account': a.name },
      el('td', null, el('strong', null, a.name), el('div.muted', null, a.provider,
        a.interval ? ` · every ${A.duration(a.interval)}` : '', a.key ? ` · key from ${a.key}` : '')),
      el('td', null,
        el('span.badge.' + level, null, a.enabled === false ? 'disabled' : A.statusWord(a.status)),
        a.message ? el('div', { style: { marginTop: '0.25rem' } }, a.message) : null,
        a.hint && A.level(a.status) !== 'ok' ? el('div.muted', null, 'Fix: ', a.hint) : null),
      el('td.hide-phone', { title: A.dateTime(a.last_success) }, a.last_success ? A.rel(a.last_success) : 'never'),
      el('td', null, el('div.actions', null,
        el('button', { type: 'button', onclick: () => edit(a), 'aria-label': `Edit ${a.name}` }, 'Edit'),
        actionButton('Test', base + '/test', a.name),
        a.enabled === false
          ? actionButton('Enable', base + '/enable', a.name, { toast: `${a.name} enabled` })
          : actionButton('Disable', base + '/disable', a.name, { toast: `${a.name} disabled` }),
        actionButton('Remove', base, a.name, { method: 'delete', danger: true, toast: `${a.name} removed`,
          confirm: `Remove the account ${a.name}? Its history stays in the database.` }))));
  }

  /** Fill the form from an account to change it. The key is never sent back: leave the
   *  field empty to keep the key it has, or type a new one. */
  function edit(a) {
    editing = a.name;
    const f = A.$('#account-form');
    f.provider.value = a.provider;
    providerHelp();
    f.name.value = a.name;
    delete f.name.dataset.auto;
    f.base_url.value = a.base_url || '';
    const secs = Number(a.interval) || 0;
    f.interval.value = secs ? (secs % 60 ? `${secs}s` : `${secs / 60}m`) : '';
    f.key_env.value = a.key && a.key.startsWith('env:') ? a.key.slice(4) : '';
    f.key.value = '';
    f.key.placeholder = a.key ? 'leave empty to keep the current key' : '';
    A.fill('#add-h', `Change ${a.name}`);
    f.querySelector('button[type=submit]').textContent = 'Save account';
    f.key.focus();
    f.scrollIntoView({ block: 'center' });
  }

  function providerHelp() {
    const p = providers[A.$('#a-provider').value] || {};
    const parts = [];
    if (p.key_hint) parts.push(p.key_hint);
    if (p.key_required === false) parts.push('No key needed.');
    A.fill('#a-provider-help', parts.join(' '));
    A.$('#a-base').placeholder = p.base_url || p.default_base_url || 'provider default';
    A.$('#a-interval').placeholder = p.default_interval_s ? `${Math.round(p.default_interval_s / 60)}m` : '5m';
    if (!A.$('#a-name').value || A.$('#a-name').dataset.auto) {
      A.$('#a-name').value = p.name || '';
      A.$('#a-name').dataset.auto = '1';
    }
  }

  async function add(ev) {
    ev.preventDefault();
    const f = ev.target;
    const body = { provider: f.provider.value, name: f.name.value.trim() };
    for (const k of ['key', 'key_env', 'base_url', 'interval']) if (f[k].value.trim()) body[k] = f[k].value.trim();
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    const change = editing !== null && editing === body.name;
    try {
      let res;
      if (change) {
        delete body.name; // in the path; the key only when a new one was typed
        res = await A.api('/api/v1/accounts/' + encodeURIComponent(editing), { method: 'PUT', body });
        body.name = editing;
      } else {
        res = await A.api('/api/v1/accounts', { method: 'POST', body });
      }
      editing = null;
      f.key.value = ''; // never kept in the page
      A.toast(`Account ${body.name} saved; collecting…`, 'ok', (res && res.warnings || []).join(' '));
      // Its first collection now, not at the collector's next look at the config file.
      A.api('/api/v1/collect', { method: 'POST', body: { account: [body.name] } })
        .then((r) => {
          const first = (r.results || [])[0];
          if (first) A.toast(`${body.name}: ${first.status === 'ok' ? 'collected' : first.message || first.status}`,
            first.status === 'ok' ? 'ok' : 'warning', first.hint);
          A.reload();
        }).catch(A.fail);
      f.reset();
      A.fill('#add-h', 'Add an account');
      f.querySelector('button[type=submit]').textContent = 'Add account';
      f.key.placeholder = '';
      A.$('#a-name').dataset.auto = '1';
      providerHelp();
      A.reload();
    } catch (e) { A.fail(e); } finally { button.disabled = false; }
  }

  async function loadProviders() {
    if (Object.keys(providers).length) return;
    const list = providerList(await A.api('/api/v1/providers'));
    providers = Object.fromEntries(list.map((p) => [p.name, p]));
    A.fill('#a-provider', list.map((p) => el('option', { value: p.name }, p.label || p.name)));
    providerHelp();
  }

  A.page(async function refresh() {
    const [d] = await Promise.all([A.api('/api/v1/accounts'), loadProviders()]);
    const accounts = d.accounts || [];
    A.fill('#accounts-table tbody', accounts.map(row));
    A.$('#accounts-table').hidden = accounts.length === 0;
    A.show('#accounts-empty', accounts.length === 0);
  });

  A.$('#account-form').addEventListener('submit', add);
  A.$('#a-provider').addEventListener('change', providerHelp);
  A.$('#a-name').addEventListener('input', () => { delete A.$('#a-name').dataset.auto; });
})();
