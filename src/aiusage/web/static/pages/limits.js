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
    const recent = real.slice(-60);
    const body = A.$('#blocks-table tbody');
    A.fill(body, recent.slice().reverse().slice(0, 12).map((b) => el('tr', null,
      el('td', null, b.agent, b.is_active ? el('span.chip', { style: { marginLeft: '0.3rem' } }, 'active') : null),
      el('td', null, short(b.start)),
      el('td.num', null, A.money(b.cost_usd)),
      el('td.num', null, A.compact(b.total_tokens)),
      el('td.num', null, A.int(b.requests)),
      el('td.hide-phone.muted', null, models(b.models)))));
    drawTimeline(real, Date.now());
  }

  /** A Gantt of the blocks: one lane per source, bars placed on a shared clock from the
   *  first block's start to the active block's end; each bar is focusable and says what
   *  it is, so the chart reads with a keyboard or a screen reader too. */
  function drawTimeline(blocks, now) {
    const box = A.$('#blocks-timeline');
    box.hidden = blocks.length === 0;
    if (!blocks.length) { A.fill(box); return; }
    const t = (iso) => new Date(iso).getTime();
    const t0 = Math.min(...blocks.map((b) => t(b.start)));
    const t1 = Math.max(now, ...blocks.map((b) => t(b.end)));
    const span = Math.max(t1 - t0, 1);
    const at = (ms) => `${(100 * (ms - t0) / span).toFixed(3)}%`;
    const most = Math.max(...blocks.map((b) => b.cost_usd || 0), 1e-9);
    const agents = [...new Set(blocks.map((b) => b.agent))].sort();
    const lanes = agents.map((agent) => el('div.lane', { role: 'listitem' },
      el('div.lane-name', null, agent),
      el('div.lane-track', null, blocks.filter((b) => b.agent === agent).map((b) => {
        const start = t(b.start), end = t(b.end), used = b.is_active ? Math.min(now, end) : t(b.actual_end || b.end);
        const label = `${agent}: ${short(b.start)} to ${short(b.end)}, ${A.money(b.cost_usd)}, ` +
          `${A.compact(b.total_tokens)} tokens, ${A.int(b.requests)} requests` +
          (b.is_active && b.projection ? `; active, about ${A.money(b.projection.cost_usd)} by its end` : '');
        const strength = 0.25 + 0.75 * Math.sqrt((b.cost_usd || 0) / most);
        return el('div.block' + (b.is_active ? '.active' : ''), {
          tabindex: '0', title: label, 'aria-label': label,
          style: { left: at(start), width: at(t0 + (end - start)), '--strength': strength.toFixed(2) },
        }, el('span.used', { style: { width: `${(100 * (used - start) / (end - start)).toFixed(1)}%` } }));
      }))));
    // Day ticks under the lanes: local midnights inside the span.
    const ticks = [];
    const day = new Date(t0); day.setHours(24, 0, 0, 0);
    for (; day.getTime() < t1; day.setDate(day.getDate() + 1)) {
      ticks.push(el('span.tick', { style: { left: at(day.getTime()) } },
        day.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })));
    }
    const nowMark = el('span.now', { style: { left: at(now) }, title: 'now' });
    A.fill(box, ...lanes, el('div.lane.axis', { 'aria-hidden': 'true' }, el('div.lane-name'),
      el('div.lane-track', null, ticks, nowMark)));
  }

  A.page(async function refresh() {
    const d = await A.api('/api/v1/limits');
    const windows = d.windows || [];
    A.fill('#windows', windows.map(windowCard));
    A.show('#windows-empty', windows.length === 0);
    drawBlocks(d.blocks || []);
  });
})();
