// The viewer's only script: expand a waterfall row's details, collapse a subtree, keyboard moves,
// and the trace-id box. Everything else is plain server-rendered HTML.
// Nothing here touches every row when a page loads: a 1,000-row trace has to paint within 0.5 s.
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

// Rows come in depth-first order, so a row's subtree is the run of rows after it that are deeper.
function* subtree(row) {
  const depth = Number(row.dataset.depth);
  for (let next = row.nextElementSibling; next?.matches('li.row'); next = next.nextElementSibling) {
    if (Number(next.dataset.depth) <= depth) return;
    yield next;
  }
}

// Fold or unfold the rows under `row`; unfolding leaves the subtrees of folded rows below it folded.
function fold(row, folded) {
  row.classList.toggle('folded', folded);
  let hiddenBelow = Infinity;  // depth of a folded row whose subtree stays hidden while unfolding
  for (const child of subtree(row)) {
    const depth = Number(child.dataset.depth);
    if (depth <= hiddenBelow) hiddenBelow = Infinity;
    child.hidden = folded || depth > hiddenBelow;
    if (!folded && hiddenBelow === Infinity && child.classList.contains('folded')) hiddenBelow = depth;
  }
}

// The nearest shown row after (step 1) or before (step -1) `row`.
function shownRow(row, step) {
  const sibling = step > 0 ? 'nextElementSibling' : 'previousElementSibling';
  let next = row[sibling];
  while (next?.matches('li.row') && next.hidden) next = next[sibling];
  return next?.matches('li.row') ? next : null;
}

// A row's details, built from the waterfall's JSON (collector/waterfall.py) the first time it opens.
function detailOf(row, facts) {
  let detail = row.querySelector('.detail');
  if (detail) return detail;
  detail = document.createElement('div');
  detail.className = 'detail';
  detail.hidden = true;
  for (const part of facts()[Number(row.dataset.index)]) {
    const list = detail.appendChild(document.createElement('dl'));
    for (const [term, value, code] of part) {
      list.appendChild(document.createElement('dt')).textContent = term;
      const dd = list.appendChild(document.createElement('dd'));
      (code ? dd.appendChild(document.createElement('code')) : dd).textContent = value;
    }
  }
  return row.appendChild(detail);
}

function bindWaterfall(waterfall) {
  if (!waterfall) return;
  let parsed;
  const facts = () => (parsed ??= JSON.parse(waterfall.querySelector('script[data-details]').textContent));

  waterfall.addEventListener('click', (event) => {
    const button = event.target.closest('button.toggle');
    if (!button) return;
    const row = button.closest('li.row');
    if (event.altKey) {  // Alt-click folds the subtree under the row
      fold(row, !row.classList.contains('folded'));
      return;
    }
    const detail = detailOf(row, facts);
    detail.hidden = !detail.hidden;
    button.setAttribute('aria-expanded', String(!detail.hidden));
  });

  waterfall.addEventListener('keydown', (event) => {
    const row = event.target.closest('li.row');
    if (!row) return;
    const moves = { ArrowDown: 1, ArrowUp: -1, j: 1, k: -1 };
    if (event.key in moves) {
      const next = shownRow(row, moves[event.key]);
      if (!next) return;
      event.preventDefault();
      next.querySelector('button.toggle').focus();
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      fold(row, event.key === 'ArrowLeft');
    }
  });
}
