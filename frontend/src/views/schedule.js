// My schedule: its talks, conflicts, and recommendations to add.
import { graphql } from '../api.js';
import * as attrs from '../conventions.js';
import { html, raw, show } from '../html.js';
import { ADD_TO_SCHEDULE, MY_SCHEDULE, REMOVE_FROM_SCHEDULE } from '../queries.js';
import { conflictWarning } from './talk.js';
import { talkItem } from './talks.js';

/** The schedule's talks with a button each (`data-remove` by default) and its conflicts. */
export function scheduleList(schedule, button = { label: 'Remove', data: 'remove' }) {
  if (!schedule.talks.length) return html`<p>Nothing planned yet.</p>`;
  return html`${conflictWarning(schedule.conflicts)}<ol class="talks schedule">${schedule.talks.map((talk) =>
    talkItem(talk, html`<button type="button" data-${raw(button.data)}="${talk.id}">${button.label}</button>`),
  )}</ol>`;
}

export function createScheduleView(actions, onTraced) {
  /** Draw into the view's own section; not at all once the user has moved on to another view. */
  function paint(section, schedule, recommendations) {
    if (!section.isConnected) return;
    show(section.querySelector('.my-schedule'), scheduleList(schedule));
    show(
      section.querySelector('.recommendations'),
      recommendations.map((talk) => talkItem(talk, html`<button type="button" data-add="${talk.id}">Add</button>`)),
    );
  }

  async function change(section, name, query, id, element) {
    const target = { event: 'click', element, attributes: { [attrs.UI_TALK_ID]: id } };
    await actions.run(name === 'AddToSchedule' ? 'add to schedule' : 'remove from schedule', target, async (ctx) => {
      const changed = await graphql(ctx, name, query, { id });
      const fresh = await graphql(ctx, 'MySchedule', MY_SCHEDULE);
      paint(section, fresh.data.mySchedule, fresh.data.recommendations);
      onTraced(changed.traceId);
    });
  }

  return {
    async render(root, { ctx, span }) {
      show(
        root,
        html`<section aria-labelledby="schedule-heading">
        <h2 id="schedule-heading" tabindex="-1">My schedule</h2>
        <p class="status" role="status" aria-live="polite"></p>
        <div class="my-schedule"></div>
        <h3>Recommended for you</h3>
        <ol class="talks recommendations"></ol>
      </section>`,
      );
      // this render's own section: the router reuses `root` for every view, so a listener on it would
      // outlive the view and be added again on each visit
      const section = root.querySelector('section');
      const { data, traceId } = await graphql(ctx, 'MySchedule', MY_SCHEDULE);
      span.setAttribute(attrs.UI_RESULT_COUNT, data.mySchedule.talks.length);
      paint(section, data.mySchedule, data.recommendations);
      onTraced(traceId);
      section.addEventListener('click', (event) => {
        const button = event.target.closest('button[data-add], button[data-remove]');
        if (!button) return;
        const [name, query, id] = button.dataset.add
          ? ['AddToSchedule', ADD_TO_SCHEDULE, button.dataset.add]
          : ['RemoveFromSchedule', REMOVE_FROM_SCHEDULE, button.dataset.remove];
        button.disabled = true;
        change(section, name, query, id, `button[data-${button.dataset.add ? 'add' : 'remove'}]`).catch((error) => {
          section.querySelector('[role=status]').textContent = `Could not update the schedule: ${error.message}`;
          button.disabled = false;
        });
      });
    },
  };
}
