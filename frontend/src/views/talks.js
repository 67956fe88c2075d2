// The talk list: "Show talks" loads the day's programme from the API as one traced user action.
import { graphql } from '../api.js';
import * as attrs from '../conventions.js';

const SHOW_TALKS = `query ShowTalks($limit: Int!) {
  talks(limit: $limit) { total items { id title startsAt endsAt room speakers { name handle } } }
}`;

function timeOf(iso) {
  return iso.slice(11, 16);
}

function renderTalk(talk) {
  const item = document.createElement('li');
  item.className = 'talk';
  const title = document.createElement('h3');
  title.textContent = talk.title;
  const meta = document.createElement('p');
  meta.className = 'meta';
  const speakers = talk.speakers.map((s) => s.handle || s.name).join(', ');
  meta.textContent = `${timeOf(talk.startsAt)}–${timeOf(talk.endsAt)} · ${talk.room} · ${speakers}`;
  item.append(title, meta);
  return item;
}

/** Mount the view into `root`; `traceUserAction` and `onTraced` come from main.js. */
export function mountTalks(root, { traceUserAction, onTraced }) {
  root.innerHTML = `
    <section aria-labelledby="talks-heading">
      <h2 id="talks-heading">Day 2 talks</h2>
      <button type="button" id="show-talks">Show talks</button>
      <p class="status" role="status" aria-live="polite"></p>
      <ol class="talks"></ol>
    </section>`;
  const button = root.querySelector('#show-talks');
  const status = root.querySelector('.status');
  const list = root.querySelector('.talks');

  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Loading…';
    try {
      await traceUserAction('show talks', { event: 'click', element: 'button#show-talks' }, async (ctx, span) => {
        const { data, traceId } = await graphql(ctx, 'ShowTalks', SHOW_TALKS, { limit: 50 });
        span.setAttribute(attrs.UI_RESULT_COUNT, data.talks.items.length);
        list.replaceChildren(...data.talks.items.map(renderTalk));
        status.textContent = `${data.talks.total} talks`;
        onTraced(traceId);
      });
    } catch (error) {
      status.textContent = `Could not load talks: ${error.message}`;
      onTraced(error.traceId || null);
    } finally {
      button.disabled = false;
    }
  });
}
