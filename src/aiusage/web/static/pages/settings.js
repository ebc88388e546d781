/* Settings: time zone, alert settings and DND (writable), channels, intervals, database. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  let current = null;
  const LABELS = {
    enabled: 'Alerts on', cooldown: 'Cooldown between repeats', cooldown_s: 'Cooldown (seconds)',
    dnd: 'Do-Not-Disturb (e.g. 22:00-07:00)', dnd_critical: 'Critical alerts pierce DND',
    dnd_allows_critical: 'Critical alerts pierce DND', muted_sources: 'Muted sources',
  };
  const human = (k) => LABELS[k] || k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const bytes = (n) => {
    if (n == null) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0; let v = n;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
  };

  const RULE_HELP = {
    budget: 'a budget reaches its warning percent or is exceeded',
    forecast: 'the forecast says a budget will be exceeded',
    limit: 'a limit window is this full (percent)',
    source_error: 'an account keeps failing',
    dead_source: 'a source goes silent for this many collection cycles',
    spike: 'a day\'s spend is a spike (robust z-score above the sensitivity)',
  };

  /** The rules as a table: one row each, its switch and its numbers. */
  function rulesTable(rules) {
    const input = (name, v, label) => {
      const id = 'al-' + name.replace(/\W/g, '-');
      return typeof v === 'boolean'
        ? el('input', { type: 'checkbox', id, name, checked: v, 'data-type': 'bool', 'aria-label': label })
        : el('label', { for: id, style: { display: 'inline-flex', gap: '0.3rem', alignItems: 'center', marginRight: '0.6rem' } },
          human(name.split('.').pop()),
          el('input', { id, name, type: 'number', step: 'any', value: v, 'data-type': 'number', style: { width: '6rem' } }));
    };
    return el('div.field.wide', null, el('span.label', null, 'Rules'), el('div.table-wrap', null, el('table', null,
      el('thead', null, el('tr', null, el('th', null, 'On'), el('th', null, 'Rule'), el('th', null, 'Thresholds'))),
      el('tbody', null, Object.entries(rules).map(([rule, values]) => el('tr', null,
        el('td', null, input(`rules.${rule}.enabled`, values.enabled !== false, `${human(rule)} alerts on`)),
        el('td', null, el('strong', null, human(rule)), RULE_HELP[rule] ? el('div.muted', null, 'When ' + RULE_HELP[rule]) : null),
        el('td', null, Object.entries(values).filter(([k]) => k !== 'enabled')
          .map(([k, v]) => input(`rules.${rule}.${k}`, v, `${human(rule)} ${k}`)))))))));
  }

  /** One input per leaf of the alerts object, named by its path; types kept for the PUT. */
  function fields(obj, path) {
    return Object.entries(obj).map(([k, v]) => {
      const name = [...path, k].join('.');
      const id = 'al-' + name.replace(/\W/g, '-');
      if (k === 'rules' && !path.length && v && typeof v === 'object') return rulesTable(v);
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        return el('fieldset.field.wide', { style: { border: '1px solid var(--line)', borderRadius: '8px' } },
          el('legend', null, human(k)), el('div.stack', { style: { display: 'grid', gap: '0.5rem',
            gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))' } }, fields(v, [...path, k])));
      }
      if (typeof v === 'boolean') {
        return el('div.field', null, el('label', { for: id },
          el('input', { type: 'checkbox', id, name, checked: v, 'data-type': 'bool' }), ' ', human(k)));
      }
      const type = typeof v === 'number' ? 'number' : 'text';
      const value = Array.isArray(v) ? v.join(', ') : v ?? '';
      return el('div.field', null, el('label', { for: id }, human(k)),
        el('input', { id, name, type, value, step: type === 'number' ? 'any' : null,
          'data-type': Array.isArray(v) ? 'list' : type === 'number' ? 'number' : (v === null ? 'nullable' : 'text') }));
    });
  }

  function readValue(input) {
    switch (input.dataset.type) {
      case 'bool': return input.checked;
      case 'number': return input.value === '' ? null : Number(input.value);
      case 'list': return input.value.split(',').map((s) => s.trim()).filter(Boolean);
      case 'nullable': return input.value.trim() === '' ? null : input.value.trim();
      default: return input.value;
    }
  }

  /** Only what changed, nested as in the settings document. */
  function changes(form, original) {
    const out = {};
    for (const input of form.querySelectorAll('input[name]')) {
      const path = input.name.split('.');
      const before = path.reduce((o, k) => (o == null ? o : o[k]), original);
      const after = readValue(input);
      if (JSON.stringify(before ?? null) === JSON.stringify(after ?? null)) continue;
      let node = out;
      path.slice(0, -1).forEach((k) => { node = node[k] = node[k] || {}; });
      node[path[path.length - 1]] = after;
    }
    return out;
  }

  async function put(body, what) {
    if (!Object.keys(body).length) { A.toast('Nothing changed', 'ok'); return; }
    try {
      await A.api('/api/v1/settings', { method: 'PUT', body });
      A.toast(`${what} saved`);
      current = null;
      A.reload();
    } catch (e) { A.fail(e); }
  }

  /** The two forms, from the settings as saved. */
  function drawForms(s) {
    A.$('#s-tz').value = s.timezone_setting ?? s.timezone ?? '';
    A.$('#s-tz').placeholder = `the system's (${s.timezone})`;
    A.$('#s-sow').value = (s.start_of_week || 'monday').toLowerCase();
    const ret = s.retention || {};
    A.$('#s-retention').value = ret.setting || '';
    A.$('#p-days').value = ret.days || 400;
    A.fill('#alerts-form', fields(s.alerts || {}, []),
      el('div.field.wide.actions', null, el('button.primary', { type: 'submit' }, 'Save alert settings')));
  }

  A.page(async function refresh() {
    const [s, accounts] = await Promise.all([A.api('/api/v1/settings'), A.api('/api/v1/accounts')]);
    // Live events redraw what is read-only; the forms only on the first load and after a
    // save, so an update arriving while someone types never throws their edits away.
    if (current === null) drawForms(s);
    current = s;
    A.fill('#s-notes', [s.config_file ? `Saved to ${s.config_file}.` : '',
      ...(s.env_overrides || []).map((v) => ` ${v} is set in the environment and wins over the file.`)].join(''));
    A.fill('#s-cost', s.cost_mode || '—');
    const db = s.database || {}, ret = s.retention || {};
    const dd = (text, cls = '') => el(`dd${cls}`, { style: { marginLeft: 0, overflowWrap: 'anywhere' } }, text);
    const when = (iso) => (iso ? `${A.date(iso)} (${A.rel(iso)})` : '—');
    A.fill('#database',
      el('dt.muted', null, 'Location'), dd(db.url || '—', '.mono'),
      el('dt.muted', null, 'Size'), dd(bytes(db.size_bytes)),
      el('dt.muted', null, 'Retention'), dd(ret.days ? `${A.int(ret.days)} days` : 'everything is kept'),
      el('dt.muted', null, 'Oldest record'), dd(when(ret.oldest_event)),
      el('dt.muted', null, 'Last pruned'), dd(ret.last_prune
        ? `${when(ret.last_prune)}; raw records before ${A.date(ret.pruned_before)} are gone` : 'never'));
    const channels = s.notifiers || [];
    A.fill('#notifiers-table tbody', channels.map((n) => el('tr', null, el('td', null, n.name),
      el('td', null, n.kind), el('td.mono', { style: { overflowWrap: 'anywhere' } }, n.target || ''),
      el('td.hide-phone', null, n.min_severity || 'info'), el('td', null, n.enabled === false ? 'no' : 'yes'),
      el('td', null, el('button', { type: 'button', 'aria-label': `Send a test alert to ${n.name}`,
        onclick: (ev) => testChannel(n.name, ev.currentTarget) }, 'Send test')))));
    A.$('#notifiers-table').hidden = channels.length === 0;
    A.show('#notifiers-empty', channels.length === 0);
    const list = accounts.accounts || [];
    A.fill('#intervals-table tbody', list.length ? list.map((a) => el('tr', null, el('td', null, a.name),
      el('td', null, a.provider), el('td', null, A.duration(a.interval) || 'default'), el('td', null, a.enabled === false ? 'no' : 'yes')))
      : el('tr', null, el('td', { colspan: 4 }, 'No provider account; agent logs are read every minute.')));
  });

  if (Intl.supportedValuesOf) {
    A.fill('#zones', Intl.supportedValuesOf('timeZone').map((z) => el('option', { value: z })));
  }
  A.$('#general-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {};
    const tz = A.$('#s-tz').value.trim(), sow = A.$('#s-sow').value;
    if (current && tz !== (current.timezone_setting ?? current.timezone ?? '')) body.timezone = tz;
    if (current && sow !== (current.start_of_week || '').toLowerCase()) body.start_of_week = sow;
    const ret = A.$('#s-retention').value.trim();
    if (current && ret !== ((current.retention || {}).setting || '')) body.retention = ret;
    put(body, 'Settings');
  });
  /** A sample alert through one channel; the answer says whether it arrived and why not. */
  async function testChannel(name, button) {
    button.disabled = true;
    try {
      const r = await A.api(`/api/v1/notifiers/${encodeURIComponent(name)}/test`, { method: 'POST' });
      A.toast(r.ok ? `Test alert sent to ${name}` : `${name}: ${r.message}`, r.ok ? 'ok' : 'error', r.hint);
    } catch (e) { A.fail(e); } finally { button.disabled = false; }
  }

  /** Ask the server what a prune would remove (dry_run), or do it. */
  async function prune(dryRun) {
    const days = Number(A.$('#p-days').value);
    if (!(days >= 30)) { A.fill('#prune-preview', 'Give at least 30 days.'); return null; }
    const r = await A.api('/api/v1/prune', { method: 'POST', body: { older_than_days: days, dry_run: dryRun, vacuum: !dryRun } });
    const what = `${A.int(r.usage_events)} usage events, ${A.int(r.observations)} readings and ${A.int(r.alert_log)} alert log entries`;
    A.fill('#prune-preview', dryRun
      ? (r.total ? `Would delete ${what} from before ${A.date(r.before)}.` : `Nothing is older than ${A.int(days)} days.`)
      : `Deleted ${what}; the database is now ${bytes(r.size_after_bytes)} (was ${bytes(r.size_before_bytes)}).`);
    return r;
  }
  A.$('#prune-preview-btn').addEventListener('click', () => prune(true).catch(A.fail));
  A.$('#prune-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const preview = await prune(true);
      if (!preview || !preview.total) return;
      if (!window.confirm(`Delete ${A.int(preview.total)} raw records from before ${A.date(preview.before)}? Totals are kept.`)) return;
      await prune(false);
      A.toast('Pruned');
      A.reload();
    } catch (e) { A.fail(e); }
  });
  A.$('#alerts-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const diff = changes(ev.target, (current && current.alerts) || {});
    put(Object.keys(diff).length ? { alerts: diff } : {}, 'Alert settings');
  });
})();
