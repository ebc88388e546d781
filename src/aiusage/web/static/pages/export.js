/* Export: a download link that follows the filters; import: a CSV of manual entries. */
(function () {
  'use strict';
  const A = window.aiusage, el = A.el;
  const form = A.$('#export-form');

  function updateLink() {
    const params = {
      format: form.format.value, since: form.since.value, until: form.until.value,
      source: form.source.value, project: form.project.value.trim(),
    };
    const url = '/api/v1/export' + A.query(params);
    const link = A.$('#export-link');
    link.href = url;
    link.setAttribute('download', `aiusage-usage.${params.format}`);
    A.fill('#export-url', url);
  }

  async function upload(ev) {
    ev.preventDefault();
    const f = ev.target;
    const file = f.file.files[0];
    if (!file) return;
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      // The API takes the CSV itself as the body (text/csv), as curl --data-binary sends it.
      const res = await A.api('/api/v1/import', { method: 'POST', raw: await file.text(), type: 'text/csv' });
      const msg = `Imported ${A.int(res.added)} new ${res.added === 1 ? 'entry' : 'entries'} of ` +
        `${A.int(res.rows)} rows` + (res.sources && res.sources.length ? ` (${res.sources.join(', ')})` : '') +
        (res.added < res.rows ? '; the rest were already there' : '');
      A.fill('#import-result', msg);
      A.toast(msg);
      f.reset();
    } catch (e) {
      A.fill('#import-result', el('span', { style: { color: 'var(--crit)' } }, e.message));
      A.fail(e);
    } finally { button.disabled = false; }
  }

  let loaded = false;
  A.page(async function refresh() {
    if (loaded) return; // nothing on this page changes with live events
    loaded = true;
    const d = await A.api('/api/v1/overview');
    const sel = form.source;
    for (const c of (d.cards || []).slice().sort((a, b) => a.name.localeCompare(b.name))) {
      sel.append(el('option', { value: c.name }, c.name));
    }
  });

  form.addEventListener('input', updateLink);
  form.addEventListener('change', updateLink);
  A.$('#import-form').addEventListener('submit', upload);
  updateLink();
})();
