/* Limits: each window with burn rate and predicted exhaustion; recent 5-hour blocks. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  const WINDOW_NAMES = { '5h': '5-hour window', '7d': 'Weekly window', '1d': 'Daily window' };

  function windowCard(w) {
    const pct = w.used_percent || 0;
    const level = pct >= 95 ? 'critical' : pct >= 80 ? 'warning' : 'ok';
    const facts = [];
    if (w.burn_rate) facts.push(['Burn rate', `${w.burn_rate.toFixed(1)}% per hour`]);
    if (w.exhausts_at) facts.push(['Runs out', `${A.dateTime(w.exhausts_at)} (${A.rel(w.exhausts_at)})`]);
    else if (w.burn_rate) facts.push(['Runs out', 'not before it resets']);
    if (w.resets_at) facts.push(['Resets', `in ${A.countdown(w.resets_at)} (${A.dateTime(w.resets_at)})`]);
    if (w.limit && w.limited_by && w.limit[w.limited_by] != null) {
      facts.push(['Limit', `${A.int(w.limit[w.limited_by])} ${w.limited_by}`]);
    }
    if (w.observed_at) facts.push(['Reading', A.rel(w.observed_at)]);
    return el('article.panel.card', { 'aria-label': `${w.source} ${w.window}` },
      el('div.card-head', null,
        el('div', null, el('h3', null, w.source),
          el('span.chip', null, WINDOW_NAMES[w.window] || w.window),
          el('span.chip', { title: w.kind === 'official' ? 'Reported by the provider' : 'Estimated from your history' },
            w.kind)),
        el('span.badge.' + level, null, A.pct(pct))),
      A.meter('Used', pct, A.pct(pct)),
      el('dl.stats', null, facts.map(([k, v]) => el('div.stat', null, el('dt.label', null, k), el('dd.value', { style: { margin: 0, fontWeight: 500 } }, v)))),
      w.note ? el('p.muted', null, w.note) : null);
  }

  const short = (iso) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  function models(list) {
    const named = (list || []).filter(Boolean);
    return named.slice(0, 3).join(', ') + (named.length > 3 ? ` +${named.length - 3}` : '');
  }

  function drawBlocks(blocks) {
    const real = blocks.filter((b) => !b.is_gap);
    A.show('#blocks-empty', real.length === 0);
    A.$('#blocks-chart').hidden = real.length === 0;
    const recent = real.slice(-60);
    const body = A.$('#blocks-table tbody');
    A.fill(body, recent.slice().reverse().slice(0, 12).map((b) => el('tr', null,
      el('td', null, b.agent, b.is_active ? el('span.chip', { style: { marginLeft: '0.3rem' } }, 'active') : null),
      el('td', null, short(b.start)),
      el('td.num', null, A.money(b.cost_usd)),
      el('td.num', null, A.compact(b.total_tokens)),
      el('td.num', null, A.int(b.requests)),
      el('td.hide-phone.muted', null, models(b.models)))));
    if (!real.length) return;
    const base = A.chartBase();
    const agents = [...new Set(recent.map((b) => b.agent))];
    const starts = [...new Set(recent.map((b) => b.start))].sort();
    A.chart('blocks-chart', {
      ...base,
      legend: { ...base.legend, top: 0 },
      grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
      tooltip: { ...base.tooltip, trigger: 'axis', valueFormatter: A.money, confine: true },
      xAxis: { type: 'category', data: starts.map(short), ...base.axis, splitLine: { show: false } },
      yAxis: { type: 'value', ...base.axis, axisLabel: { ...base.axis.axisLabel, formatter: A.moneyShort } },
      series: agents.map((a) => ({
        name: a, type: 'bar', stack: 'cost', barMaxWidth: 22,
        data: starts.map((s) => { const b = recent.find((x) => x.agent === a && x.start === s); return b ? b.cost_usd : 0; }),
      })),
    });
  }

  A.page(async function refresh() {
    const d = await A.api('/api/v1/limits');
    const windows = d.windows || [];
    A.fill('#windows', windows.map(windowCard));
    A.show('#windows-empty', windows.length === 0);
    drawBlocks(d.blocks || []);
  });
})();
