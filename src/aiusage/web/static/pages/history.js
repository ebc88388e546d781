/* History: usage over time, spend by provider (drill into models), calendar, comparison. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  const state = { range: '30d', drill: null, data: null, sources: null };
  const form = () => ({
    metric: A.$('#metric').value,
    group: A.$('#group').value,
    source: A.$('#source').value,
    stacked: A.$('#stacked').checked,
    since: A.$('#since').value,
    until: A.$('#until').value,
  });

  function bucketLabel(iso, bucket) {
    const d = new Date(iso);
    return bucket === 'hour'
      ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  }

  function drawMain(d, f) {
    const base = A.chartBase();
    const series = (d.series || []).filter((s) => s.values.some((v) => v));
    A.show('#history-empty', series.length === 0);
    A.$('#history-chart').hidden = series.length === 0;
    if (!series.length) return;
    const valueFmt = (v) => A.metric(f.metric, v);
    A.chart('history-chart', {
      ...base,
      legend: { ...base.legend, top: 0 },
      grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
      tooltip: { ...base.tooltip, trigger: 'axis', valueFormatter: valueFmt, confine: true },
      xAxis: { type: 'category', data: d.buckets.map((b) => bucketLabel(b, d.bucket)), ...base.axis,
        splitLine: { show: false } },
      yAxis: { type: 'value', ...base.axis,
        axisLabel: { ...base.axis.axisLabel, formatter: (v) => (f.metric === 'cost' ? A.moneyShort(v) : A.compact(v)) } },
      series: series.map((s) => ({
        name: s.name, data: s.values,
        type: f.stacked ? 'bar' : 'line', stack: f.stacked ? 'all' : undefined,
        smooth: !f.stacked, showSymbol: false, barMaxWidth: 28, emphasis: { focus: 'series' },
      })),
    });
  }

  function drawDonut(d) {
    const base = A.chartBase();
    const providers = (d.by_provider || []).filter((p) => p.usd > 0);
    const drilled = state.drill && providers.find((p) => p.provider === state.drill);
    if (!drilled) state.drill = null;
    const data = drilled
      ? drilled.models.filter((m) => m.usd > 0).map((m) => ({ name: m.model || '(unknown model)', value: m.usd }))
      : providers.map((p) => ({ name: p.provider || '(unknown)', value: p.usd }));
    A.$('#donut-back').hidden = !drilled;
    A.fill('#donut-help', drilled ? `Models of ${drilled.provider}, ${A.money(drilled.usd)} in all.`
      : data.length ? 'Select a provider to see its models.' : 'No spend in this range.');
    // The same choice without a mouse: a button per provider (a list of models once drilled).
    A.fill('#donut-list', drilled
      ? data.map((m) => el('li', null, `${m.name}: ${A.money(m.value)}`))
      : data.map((p) => el('li', null, el('button', { type: 'button', onclick: () => { state.drill = p.name; drawDonut(state.data); A.$('#donut-back').focus(); } },
        `${p.name}: ${A.money(p.value)}`))));
    const c = A.chart('donut', {
      ...base,
      tooltip: { ...base.tooltip, trigger: 'item', confine: true,
        formatter: (p) => `${p.marker}${p.name}<br><b>${A.money(p.value)}</b> (${A.pct(p.percent)})` },
      legend: { show: false },
      series: [{ type: 'pie', radius: ['45%', '72%'], center: ['50%', '50%'], data,
        label: { color: base.textStyle.color, formatter: '{b}' }, avoidLabelOverlap: true,
        itemStyle: { borderColor: A.css('--panel'), borderWidth: 2 } }],
    });
    if (c) {
      c.off('click');
      c.on('click', (p) => {
        if (!state.drill) { state.drill = p.name; drawDonut(state.data); }
      });
    }
  }

  function drawCalendar(d) {
    const base = A.chartBase();
    const days = d.calendar || [];
    if (!days.length) { A.chart('calendar', { ...base, series: [] }); return; }
    const narrow = A.$('#calendar').clientWidth < 700;
    const shown = narrow ? days.slice(-182) : days;
    const max = Math.max(...shown.map((x) => x.usd), 0.01);
    A.chart('calendar', {
      ...base,
      tooltip: { ...base.tooltip, formatter: (p) => `${A.date(p.value[0])}: <b>${A.money(p.value[1])}</b>` },
      visualMap: { min: 0, max, show: false, inRange: { color: [A.css('--panel-2'), A.css('--accent')] } },
      calendar: {
        range: [shown[0].day, shown[shown.length - 1].day], cellSize: ['auto', narrow ? 11 : 15],
        top: 22, left: 30, right: 8, bottom: 4, itemStyle: { color: A.css('--panel'), borderColor: A.css('--line') },
        splitLine: { show: false }, yearLabel: { show: false },
        dayLabel: { color: A.css('--muted'), firstDay: 1, nameMap: ['S', 'M', 'T', 'W', 'T', 'F', 'S'] },
        monthLabel: { color: A.css('--muted') },
      },
      series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: shown.map((x) => [x.day, x.usd]) }],
    });
  }

  function drawTiles(d, f) {
    const total = (d.series || []).reduce((a, s) => a + s.values.reduce((x, y) => x + (y || 0), 0), 0);
    const e = d.efficiency || {}, c = d.compare || {};
    const change = c.change_percent;
    A.fill('#history-tiles',
      A.tile({ cost: 'Spend', tokens: 'Tokens', requests: 'Requests' }[f.metric] + ' in range', A.metric(f.metric, total)),
      A.tile('Output per input token', e.output_per_input == null ? '—' : e.output_per_input.toFixed(3)),
      A.tile('Cost per request', A.money(e.cost_per_request)),
      A.tile('Change vs previous', change == null ? '—' : (change > 0 ? '+' : '') + A.pct(change)));
    const max = Math.max(c.previous_usd || 0, c.current_usd || 0, 0.01);
    A.fill('#compare',
      A.meter('Previous period', ((c.previous_usd || 0) / max) * 100, A.money(c.previous_usd), 'ok'),
      A.meter('This period', ((c.current_usd || 0) / max) * 100, A.money(c.current_usd), 'ok'),
      el('p.muted', null, change == null ? 'No spend in the previous period to compare with.'
        : `${change >= 0 ? 'Up' : 'Down'} ${A.pct(Math.abs(change))} on the period before, same length.`),
      d.totals ? el('div.tiles', { style: { marginTop: '0.8rem' } },
        A.tile('Spend', A.money(d.totals.usd)),
        A.tile('Tokens', A.compact(d.totals.tokens), A.int(d.totals.tokens)),
        A.tile('Requests', A.int(d.totals.requests),
          d.totals.unpriced ? `${A.int(d.totals.unpriced)} without a known price` : null)) : null);
  }

  async function loadSources() {
    if (state.sources) return;
    const d = await A.api('/api/v1/overview');
    state.sources = (d.cards || []).map((c) => c.name).sort();
    const sel = A.$('#source');
    for (const name of state.sources) sel.append(el('option', { value: name }, name));
  }

  async function refresh() {
    const f = form();
    const params = { range: state.range, metric: f.metric, group: f.group, source: f.source };
    if (state.range === 'custom') {
      if (!f.since) { A.fill('#history-tiles', el('p.muted', null, 'Pick a start date.')); return; }
      Object.assign(params, { since: f.since, until: f.until });
    }
    const [d] = await Promise.all([A.api('/api/v1/history' + A.query(params)), loadSources()]);
    state.data = d;
    drawTiles(d, f);
    drawMain(d, f);
    drawDonut(d);
    drawCalendar(d);
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const b of document.querySelectorAll('#range button')) {
      b.addEventListener('click', () => {
        state.range = b.dataset.range;
        document.querySelectorAll('#range button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
        A.$('#custom-range').hidden = A.$('#custom-range-2').hidden = state.range !== 'custom';
        A.reload();
      });
    }
    for (const id of ['metric', 'group', 'source', 'stacked', 'since', 'until']) {
      A.$('#' + id).addEventListener('change', A.reload);
    }
    A.$('#donut-back').addEventListener('click', () => { state.drill = null; drawDonut(state.data); A.$('#donut-list button')?.focus(); });
  });
  A.page(refresh);
})();
