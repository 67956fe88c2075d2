// The talk list: audience filter and search, each search one traced action.
import { trace } from '@opentelemetry/api';
import { graphql } from '../api.js';
import * as attrs from '../conventions.js';
import { AUDIENCES } from '../domain.js';
import { html, show, timeOf } from '../html.js';
import { SEARCH_TALKS } from '../queries.js';

export function talkItem(talk, extra = '') {
  const speakers = talk.speakers.map((s) => s.handle || s.name).join(', ');
  return html`<li class="talk" data-talk-id="${talk.id}">
    <h3><a href="/talks/${talk.id}" data-link>${talk.title}</a></h3>
    <p class="meta">${timeOf(talk.startsAt)}–${timeOf(talk.endsAt)} · ${talk.room} · ${speakers}</p>${extra}
  </li>`;
}

export function createTalksView(actions, onTraced) {
  async function load(root, ctx, span, audience, search) {
    const { data, traceId } = await graphql(ctx, 'SearchTalks', SEARCH_TALKS, {
      audience: audience || null,
      search: search || null,
    });
    span.setAttribute(attrs.UI_RESULT_COUNT, data.talks.items.length);
    // workshop 03 start: a span of our own, child of the action (its ctx), and an attribute on it
    const render = trace.getTracer('journey-frontend').startSpan('render talks', {}, ctx);
    render.setAttribute(attrs.UI_RENDERED_COUNT, data.talks.items.length);
    show(
      root.querySelector('.talks'),
      data.talks.items.map((talk) => talkItem(talk)),
    );
    render.end();
    // workshop 03 end
    root.querySelector('[role=status]').textContent =
      `${data.talks.total} ${data.talks.total === 1 ? 'talk' : 'talks'}`;
    onTraced(traceId);
  }

  return {
    async render(root, { query, ctx, span }) {
      const audience = AUDIENCES.includes(query.get('audience')) ? query.get('audience') : '';
      const search = (query.get('q') || '').slice(0, 200);
      show(
        root,
        html`<section aria-labelledby="talks-heading">
        <h2 id="talks-heading" tabindex="-1">Day 2 talks</h2>
        <form class="filters" role="search">
          <label>Audience
            <select name="audience">
              <option value="">all</option>
              ${AUDIENCES.map((a) => html`<option value="${a}" ${a === audience ? 'selected' : ''}>${a.toLowerCase()}</option>`)}
            </select>
          </label>
          <label>Search <input name="q" type="search" maxlength="200" value="${search}"></label>
          <button type="submit" id="search-talks">Search</button>
        </form>
        <p class="status" role="status" aria-live="polite">Loading…</p>
        <ol class="talks"></ol>
      </section>`,
      );
      const form = root.querySelector('form');
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const chosen = form.audience.value;
        const text = form.q.value.trim();
        const params = new URLSearchParams();
        if (chosen) params.set('audience', chosen);
        if (text) params.set('q', text);
        history.replaceState(null, '', params.size ? `/?${params}` : '/');
        const target = {
          event: 'submit',
          element: 'form.filters',
          attributes: { [attrs.UI_SEARCH_LENGTH]: text.length, [attrs.UI_AUDIENCE]: chosen || 'all' },
        };
        actions
          .run('search talks', target, (searchCtx, searchSpan) => load(root, searchCtx, searchSpan, chosen, text))
          .catch((error) => (root.querySelector('[role=status]').textContent = `Search failed: ${error.message}`));
      });
      await load(root, ctx, span, audience, search);
    },
  };
}
