/* Budgets and alerts: budgets with pace and projection, the form, alert log, forecasts, spikes. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  const PERIOD = { daily: 'today', weekly: 'this week', monthly: 'this month', custom: 'in its dates' };
  let budgets = [];

  function measureText(b) {
    if (b.limit_usd != null) return `${A.money(b.spent_usd)} of ${A.money(b.limit_usd)}`;
    if (b.limit_tokens != null) return `${A.compact(b.spent_tokens)} of ${A.compact(b.limit_tokens)} tokens`;
    if (b.limit_requests != null) return `${A.int(b.spent_requests)} of ${A.int(b.limit_requests)} requests`;
    return '';
  }

  function budgetCard(b) {
    const level = A.level(b.state);
    const facts = [];
    if (b.pace_percent != null) {
      facts.push(`Pace: ${A.pct(b.pace_percent)} of the period has passed` +
        (b.ahead_of_pace ? ', spending ahead of it' : ''));
    }
    if (b.projected_usd != null) facts.push(`Projected: ${A.money(b.projected_usd)} by ${A.date(b.last_day)}`);
    if (b.exhausts_on) facts.push(`Limit reached: ${A.date(b.exhausts_on)}`);
    return el('article.panel.card', { 'data-budget': b.name, 'aria-label': 'Budget ' + b.name },
      el('div.card-head', null,
        el('div', null, el('h3', null, b.name),
          el('span.chip', null, b.scope), el('span.chip', null, b.period)),
        el('span.badge.' + level, null, A.statusWord(b.state))),
      A.meter(`Spent ${PERIOD[b.period] || ''}`, b.percent, measureText(b),
        level === 'ok' ? (b.percent >= b.warn_percent ? 'warning' : '') : level),
      el('p.muted', null, `${A.pct(b.percent)} used · warns at ${A.pct(b.warn_percent)} · ` +
        `${A.date(b.first_day)} – ${A.date(b.last_day)}`),
      facts.map((f) => el('p', null, f)),
      el('div.actions', null,
        el('button', { type: 'button', onclick: () => edit(b) , 'aria-label': `Edit budget ${b.name}` }, 'Edit'),
        el('button.danger', { type: 'button', onclick: () => remove(b.name), 'aria-label': `Delete budget ${b.name}` }, 'Delete')));
  }

  function edit(b) {
    const f = A.$('#budget-form');
    f.name.value = b.name;
    f.limit.value = b.limit_usd ?? '';
    f.tokens.value = b.limit_tokens ?? '';
    f.requests.value = b.limit_requests ?? '';
    f.period.value = b.period;
    f.scope.value = b.scope;
    f.warn.value = b.warn_percent;
    f.start.value = b.start || '';
    f.end.value = b.end || '';
    toggleCustom();
    f.name.focus();
    f.scrollIntoView({ block: 'center' });
  }

  async function remove(name) {
    if (!confirm(`Delete the budget "${name}"?`)) return;
    try {
      await A.api('/api/v1/budgets/' + encodeURIComponent(name), { method: 'DELETE' });
      A.toast(`Budget ${name} deleted`);
      A.reload();
    } catch (e) { A.fail(e); }
  }

  function toggleCustom() {
    const custom = A.$('#b-period').value === 'custom';
    document.querySelectorAll('[data-custom]').forEach((n) => { n.hidden = !custom; });
  }

  async function save(ev) {
    ev.preventDefault();
    const f = ev.target;
    const num = (v) => (v === '' ? null : Number(v));
    const body = {
      limit: num(f.limit.value), tokens: num(f.tokens.value), requests: num(f.requests.value),
      period: f.period.value, scope: f.scope.value || 'all', warn: num(f.warn.value) ?? 80,
      start: f.period.value === 'custom' ? f.start.value || null : null,
      end: f.period.value === 'custom' ? f.end.value || null : null,
    };
    if (body.limit === null && body.tokens === null && body.requests === null) {
      A.toast('Give a limit in USD, tokens or requests.', 'warning');
      f.limit.focus();
      return;
    }
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await A.api('/api/v1/budgets/' + encodeURIComponent(f.name.value), { method: 'PUT', body });
      A.toast(`Budget ${f.name.value} saved`);
      f.reset();
      toggleCustom();
      await A.api('/api/v1/alerts/check', { method: 'POST' }).catch(() => null);
      A.reload();
    } catch (e) { A.fail(e); } finally { button.disabled = false; }
  }

  function alertRow(a) {
    const delivery = Object.entries(a.delivery || {}).map(([k, v]) => `${k}: ${typeof v === 'object' ? v.status || JSON.stringify(v) : v}`);
    return el('tr', null,
      el('td', { title: A.dateTime(a.fired_at) }, A.rel(a.fired_at)),
      el('td', null, el('span.badge.' + A.level(a.severity === 'info' ? 'ok' : a.severity), null, a.severity)),
      el('td', null, el('strong', null, a.title), a.body ? el('div.muted', null, a.body) : null),
      el('td.hide-phone.muted', null, delivery.length ? delivery.join(', ') : a.status));
  }

  function forecastRow(f) {
    return el('tr', null,
      el('td', null, f.scope, f.note ? el('div.muted', { style: { fontSize: '0.8rem' } }, f.note) : null),
      el('td.num', null, A.money(f.spent_usd)),
      el('td.num', null, A.money(f.expected_usd)),
      el('td.num.hide-phone', null, f.low_usd == null ? '—' : `${A.money(f.low_usd)} – ${A.money(f.high_usd)}`));
  }

  function anomalyItem(a) {
    const ratio = a.baseline_usd > 0 ? `${(a.value_usd / a.baseline_usd).toFixed(1)}× usual` : 'new spend';
    return el('li', null, el('strong', null, a.source), ` on ${A.date(a.when)}: ${A.money(a.value_usd)} `,
      el('span.muted', null, `(usually ${A.money(a.baseline_usd)}, ${ratio})`));
  }

  /** Forecasts and spikes take longest (over a year of history, a second or more): they
   *  are drawn when they come and never hold up the budgets and the alert log. */
  function insights() {
    document.body.dataset.loading = 'insights';
    return Promise.all([
      A.api('/api/v1/forecast').catch(() => ({ forecasts: [] })),
      A.api('/api/v1/anomalies').catch(() => ({ anomalies: [] })),
    ]).then(([forecast, anomalies]) => {
      const fc = (forecast.forecasts || []).filter((f) => f.spent_usd > 0 || f.expected_usd);
      A.fill('#forecast-table tbody', fc.map(forecastRow));
      A.show('#forecast-empty', fc.length === 0);
      const an = anomalies.anomalies || [];
      A.fill('#anomalies', an.map(anomalyItem));
      A.show('#anomalies-empty', an.length === 0);
      const scopes = new Set(['all', ...(forecast.forecasts || []).map((f) => 'source:' + f.scope)]);
      A.fill('#scopes', [...scopes].map((s) => el('option', { value: s })));
    }).finally(() => { delete document.body.dataset.loading; });
  }

  A.page(async function refresh() {
    const [b, alerts] = await Promise.all([A.api('/api/v1/budgets'), A.api('/api/v1/alerts?limit=50')]);
    budgets = b.budgets || [];
    A.fill('#budgets', budgets.map(budgetCard));
    A.show('#budgets-empty', budgets.length === 0);
    const paused = A.$('#paused');
    paused.hidden = !alerts.paused_until;
    paused.textContent = alerts.paused_until ? `paused until ${A.dateTime(alerts.paused_until)}` : '';
    const log = alerts.alerts || [];
    A.fill('#alerts-table tbody', log.map(alertRow));
    A.show('#alerts-empty', log.length === 0);
    A.$('#alerts-table').hidden = log.length === 0;
    // Asked for after the fast part: the server answers one database query at a time.
    insights();
  });

  A.$('#budget-form').addEventListener('submit', save);
  A.$('#budget-form').addEventListener('reset', () => setTimeout(toggleCustom));
  A.$('#b-period').addEventListener('change', toggleCustom);
})();
