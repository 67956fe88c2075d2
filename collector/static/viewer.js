// The viewer's only script: expand a waterfall row's details, fold and unfold subtrees, keyboard moves,
// clock times in the reader's own time zone, and the trace-id box. Everything else is plain
// server-rendered HTML, which works without this script (every row shown, times in UTC).
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
      inline.innerHTML = await response.text(); // our own page's HTML: the waterfall, or why there is none
      bindWaterfall(inline.querySelector('[data-waterfall]'));
      localizeAll(inline);
    });
  }
  bindWaterfall(document.querySelector('[data-waterfall]'));
  localizeAll(document);
});

const pad = (number, size = 2) => String(number).padStart(size, '0');

// A <time> the server wrote in UTC (collector/readable.py), rewritten in the reader's zone, the same way:
// 14:03:27 (or 14:03:27.123 when precise), the date first when not today's. The UTC text stays as its title.
function localize(time) {
  const moment = new Date(time.dateTime);
  if (Number.isNaN(moment.getTime())) return;
  let text = `${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
  if (time.dataset.clock === 'precise') text += `.${pad(moment.getMilliseconds(), 3)}`;
  if (moment.toDateString() !== new Date().toDateString()) {
    text = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())} ${text}`;
  }
  time.title ||= time.textContent;
  time.textContent = text;
}

function localizeAll(root) {
  for (const time of root.querySelectorAll('time[data-clock]')) localize(time);
}

// Rows come in depth-first order, so a row's subtree is the run of rows after it that are deeper.
function* subtree(row) {
  const depth = Number(row.dataset.depth);
  for (let next = row.nextElementSibling; next?.matches('li.row'); next = next.nextElementSibling) {
    if (Number(next.dataset.depth) <= depth) return;
    yield next;
  }
}

function markFolded(row, folded) {
  row.classList.toggle('folded', folded);
  row.querySelector('button.fold')?.setAttribute('aria-expanded', String(!folded));
}

// Fold or unfold the rows under `row`; unfolding leaves the subtrees of folded rows below it folded.
function fold(row, folded) {
  if (!row.querySelector('button.fold')) return; // nothing under it
  markFolded(row, folded);
  let hiddenBelow = Infinity; // depth of a folded row whose subtree stays hidden while unfolding
  for (const child of subtree(row)) {
    const depth = Number(child.dataset.depth);
    if (depth <= hiddenBelow) hiddenBelow = Infinity;
    child.hidden = folded || depth > hiddenBelow;
    if (!folded && hiddenBelow === Infinity && child.classList.contains('folded')) hiddenBelow = depth;
  }
}

// Every row folded (only the root shown) or none.
function foldAll(waterfall, folded) {
  for (const row of waterfall.querySelectorAll(':scope > li.row')) {
    if (row.querySelector('button.fold')) markFolded(row, folded);
    row.hidden = folded && row.dataset.depth !== '0';
  }
}

// The nearest shown row after (step 1) or before (step -1) `row`.
function shownRow(row, step) {
  const sibling = step > 0 ? 'nextElementSibling' : 'previousElementSibling';
  let next = row[sibling];
  while (next?.matches('li.row') && next.hidden) next = next[sibling];
  return next?.matches('li.row') ? next : null;
}

function element(parent, tag, text, className) {
  const made = parent.appendChild(document.createElement(tag));
  if (text !== undefined) made.textContent = text;
  if (className) made.className = className;
  return made;
}

// One fact of a row's details, drawn by its third item (collector/span_details.py, span_facts).
function drawFact(list, [term, value, form, extra, more]) {
  element(list, 'dt', term);
  const dd = element(list, 'dd');
  if (form === 'code') element(dd, 'code', value);
  else if (form === 'pre') element(dd, 'pre', value);
  else if (form === 'time') {
    const time = element(dd, 'time', value);
    time.dateTime = new Date(extra / 1000).toISOString(); // extra: epoch µs
    time.dataset.clock = 'precise';
    localize(time);
    dd.append(more);
  } else if (form === 'exception') {
    dd.className = 'exception';
    element(dd, 'strong', value);
    if (extra) element(dd, 'pre', extra);
  } else if (form === 'event') {
    dd.className = more ? 'event error' : 'event';
    element(dd, 'strong', value);
    if (extra.length) {
      const attributes = element(dd, 'dl');
      for (const [key, text] of extra) drawFact(attributes, [key, text, text.includes('\n') ? 'pre' : '']);
    }
  } else dd.textContent = value;
}

// A row's details, built from the waterfall's JSON (collector/waterfall.py) the first time it opens.
function detailOf(row, facts) {
  let detail = row.querySelector('.detail');
  if (detail) return detail;
  detail = document.createElement('div');
  detail.className = 'detail';
  detail.hidden = true;
  for (const part of facts()[Number(row.dataset.index)]) {
    const list = element(detail, 'dl');
    for (const fact of part) drawFact(list, fact);
  }
  return row.appendChild(detail);
}

function bindWaterfall(waterfall) {
  if (!waterfall) return;
  let parsed;
  const facts = () => (parsed ??= JSON.parse(waterfall.querySelector('script[data-details]').textContent));

  const tools = waterfall.parentElement.querySelector('.waterfall-tools');
  if (tools && waterfall.querySelector('button.fold')) {
    tools.hidden = false;
    tools.querySelector('[data-unfold-all]').addEventListener('click', () => foldAll(waterfall, false));
    tools.querySelector('[data-fold-all]').addEventListener('click', () => foldAll(waterfall, true));
  }

  waterfall.addEventListener('click', (event) => {
    const row = event.target.closest('li.row');
    if (event.target.closest('button.fold')) {
      fold(row, !row.classList.contains('folded'));
      return;
    }
    const button = event.target.closest('button.toggle');
    if (!button) return;
    if (event.altKey) {
      // Alt-click folds the subtree under the row, as its fold button does
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
