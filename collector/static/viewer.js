// The viewer's only script: expand a waterfall row's details, collapse a subtree, keyboard moves,
// and the trace-id box. Everything else is plain server-rendered HTML.
document.addEventListener('DOMContentLoaded', () => {
  const jump = document.querySelector('[data-jump]');
  jump?.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = jump.traceId.value.trim().toLowerCase();
    if (/^[0-9a-f]{1,32}$/.test(id)) window.location.href = `/zipkin/traces/${id}`;
  });

  // journey rows open in place: the action's waterfall is fetched the first time its row opens
  for (const details of document.querySelectorAll('details[data-fragment]')) {
    details.addEventListener('toggle', async () => {
      const inline = details.querySelector('.inline');
      if (!details.open || inline.dataset.loaded) return;
      inline.dataset.loaded = 'yes';
      const response = await fetch(details.dataset.fragment);
      inline.innerHTML = response.ok ? await response.text() : `<p class="message">${response.status}</p>`;
      bindWaterfall(inline.querySelector('[data-waterfall]'));
    });
  }
  bindWaterfall(document.querySelector('[data-waterfall]'));
});

function bindWaterfall(waterfall) {
  if (!waterfall) return;
  const rows = [...waterfall.querySelectorAll('li.row')];
  const descendants = (index) => rows.filter((row) => {
    let parent = row.dataset.parent;
    while (parent !== undefined) {
      if (parent === String(index)) return true;
      parent = rows[Number(parent)].dataset.parent;
    }
    return false;
  });

  waterfall.addEventListener('click', (event) => {
    const button = event.target.closest('button.toggle');
    if (!button) return;
    const row = button.closest('li.row');
    if (event.altKey) {  // Alt-click folds the subtree under the row
      const folded = row.classList.toggle('folded');
      for (const child of descendants(row.dataset.index)) child.hidden = folded;
      return;
    }
    const detail = row.querySelector('.detail');
    detail.hidden = !detail.hidden;
    button.setAttribute('aria-expanded', String(!detail.hidden));
  });

  waterfall.addEventListener('keydown', (event) => {
    const row = event.target.closest('li.row');
    if (!row) return;
    const visible = rows.filter((r) => !r.hidden);
    const at = visible.indexOf(row);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, j: at + 1, k: at - 1 };
    if (event.key in moves && visible[moves[event.key]]) {
      event.preventDefault();
      visible[moves[event.key]].querySelector('button.toggle').focus();
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      const fold = event.key === 'ArrowLeft';
      row.classList.toggle('folded', fold);
      for (const child of descendants(row.dataset.index)) child.hidden = fold;
    }
  });
}
