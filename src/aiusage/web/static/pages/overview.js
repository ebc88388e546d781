/* Overview: the status bar, totals and one card per account and agent. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;

  /** What the status bar says: the worst things first, each named. */
  function statusText(d) {
    const reasons = [];
    for (const b of d.budgets || []) {
      if (b.state === 'exceeded') reasons.push([2, `budget ${b.name} exceeded (${A.pct(b.percent)})`]);
      else if (A.level(b.state) !== 'ok') reasons.push([1, `budget ${b.name} at ${A.pct(b.percent)}`]);
    }
    for (const c of d.cards || []) {
      const level = A.level(c.status);
      const said = reasons.some((r) => c.message && r[1].toLowerCase() === c.message.toLowerCase());
      if (level !== 'ok' && !said) {
        reasons.push([level === 'critical' ? 2 : 1, `${c.name}: ${c.message || A.statusWord(c.status)}`]);
      }
      for (const l of c.limits || []) {
        if (l.used_percent >= 80) reasons.push([l.used_percent >= 95 ? 2 : 1, `${c.name} ${l.label || l.window} at ${A.pct(l.used_percent)}`]);
      }
    }
    reasons.sort((a, b) => b[0] - a[0]);
    if (d.status === 'ok' || !reasons.length) {
      const n = (d.cards || []).length;
      return ['All good', n ? `${n} source${n === 1 ? '' : 's'}, none past a warning threshold.` : ''];
    }
    const shown = reasons.slice(0, 4).map((r) => r[1]);
    if (reasons.length > 4) shown.push(`${reasons.length - 4} more`);
    return [d.status === 'critical' ? 'Needs attention' : 'Getting close', shown.join(' · ')];
  }

  const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);
  function balanceText(b) {
    if (/^[A-Z]{3}$/.test(b.unit || '')) {
      try { return new Intl.NumberFormat(undefined, { style: 'currency', currency: b.unit }).format(b.value); } catch (e) { /* not a currency */ }
    }
    return `${A.int(b.value)} ${b.unit || ''}`;
  }

  function limitMeter(l) {
    const due = l.resets_at && new Date(l.resets_at).getTime() <= Date.now();
    const right = [A.pct(l.used_percent), l.resets_at ? (due ? 'reset due' : 'resets ' + A.countdown(l.resets_at)) : '']
      .filter(Boolean).join(' · ');
    const label = cap(l.label || l.window) + (l.kind === 'estimated' ? ' (est.)' : '');
    return A.meter(label, l.used_percent, right);
  }

  function budgetMeter(b) {
    const right = b.limit_usd != null ? `${A.money(b.spent_usd)} of ${A.money(b.limit_usd)}` : A.pct(b.percent);
    const state = A.level(b.state) === 'ok' ? '' : (b.state === 'warning' ? 'warning' : 'critical');
    return A.meter('Budget ' + b.name, b.percent, right, state);
  }

  function card(c) {
    const level = A.level(c.status);
    const stat = (label, value) => el('div.stat', null, el('div.label', null, label), el('div.value', null, value));
    const balance = c.balance ? el('div.stat', null, el('div.label', null, 'Balance'),
      el('div.value', null, balanceText(c.balance))) : null;
    const problem = level !== 'ok' && (c.message || c.hint)
      ? el('div.callout' + (level === 'warning' ? '.warning' : ''), { role: 'note' },
        el('div', null, c.message || A.statusWord(c.status)),
        c.hint ? el('div.hint', null, 'Fix: ', c.hint) : null)
      : null;
    return el('article.panel.card', { 'data-card': c.name, 'aria-label': c.name },
      el('div.card-head', null,
        el('div', null, el('h3', null, c.name),
          el('div', null, el('span.chip', null, c.kind === 'agent' ? 'agent' : 'account'),
            c.provider && c.provider !== c.name ? el('span.chip', null, c.provider) : null)),
        el('span.badge.' + level, { title: 'Status: ' + A.statusWord(c.status) }, A.statusWord(c.status))),
      el('div.stats', null,
        stat('Today', A.money(c.today_usd)),
        stat('This month', A.money(c.month_usd)),
        stat('Tokens (month)', A.compact(c.tokens_month)),
        stat('Requests (month)', A.int(c.requests_month)),
        balance),
      c.unpriced ? el('p.muted.note', null, `${A.int(c.unpriced)} requests have no known price`) : null,
      (c.limits || []).map(limitMeter),
      (c.budgets || []).map(budgetMeter),
      el('div', { title: 'Daily cost, last 14 days' },
        A.sparkline(c.sparkline, `${c.name}: daily cost over the last 14 days`)),
      problem,
      el('p.muted', { style: { fontSize: '0.78rem' } },
        c.last_success ? 'Updated ' + A.rel(c.last_success) : 'Not collected yet'));
  }

  A.page(async function refresh() {
    const d = await A.api('/api/v1/overview');
    A.setBadge(d.status);
    const [title, detail] = statusText(d);
    const bar = A.$('#statusbar');
    bar.className = 'statusbar ' + A.level(d.status);
    A.fill(bar, el('strong', null, title), el('span.muted', null, detail));
    A.fill('#updated', d.generated_at ? 'as of ' + A.dateTime(d.generated_at) : '');
    const t = d.totals || {};
    A.fill('#totals',
      A.tile('Today', A.money(t.today_usd)),
      A.tile('This week', A.money(t.week_usd)),
      A.tile('This month', A.money(t.month_usd)),
      A.tile('Tokens this month', A.compact(t.tokens_month), A.int(t.tokens_month)),
      A.tile('Requests this month', A.int(t.requests_month)));
    const budgets = d.budgets || [];
    A.$('#overview-budgets').hidden = budgets.length === 0;
    A.fill('#overview-budgets-list', budgets.map((b) => {
      const m = budgetMeter(b);
      m.querySelector('span').textContent = `${b.name} (${b.scope || 'all'})`;
      return m;
    }));
    const cards = d.cards || [];
    A.fill('#cards', cards.map(card));
    A.show('#overview-empty', cards.length === 0);
  });
})();
