// "Plan my day": a guided flow traced as ONE trace. Start opens a journey span; each step (pick an
// audience, add talks, review the schedule, rate one) is an action span under it; the journey ends
// when the flow completes, or is abandoned (the user leaves, the page is hidden, it times out).
import { graphql } from '../api.js';
import * as attrs from '../conventions.js';
import { AUDIENCES } from '../domain.js';
import { html, show } from '../html.js';
import { ADD_TO_SCHEDULE, MY_SCHEDULE, SEARCH_TALKS, SUBMIT_FEEDBACK } from '../queries.js';
import { scheduleList } from './schedule.js';
import { talkItem } from './talks.js';

export function createPlanView(actions, onTraced) {
  let journey = null;

  function step(root, content) {
    show(root.querySelector('.step'), content);
    root.querySelector('.step h3')?.focus();
  }

  function run(root, name, element, attributes, fn) {
    return actions.run(name, { event: 'click', element, attributes }, fn).catch((error) => {
      root.querySelector('.plan-status').textContent = `That did not work: ${error.message}`;
    });
  }

  function pickAudience(root) {
    step(
      root,
      html`<h3 tabindex="-1">1. Who are you?</h3>
      <p>${AUDIENCES.map((a) => html`<button type="button" data-audience="${a}">${a.toLowerCase()}</button> `)}</p>`,
    );
  }

  function browse(root, talks) {
    step(
      root,
      html`<h3 tabindex="-1">2. Add the talks you want to see</h3>
      <ol class="talks">${talks.map((t) => talkItem(t, html`<button type="button" data-add="${t.id}">Add</button>`))}</ol>
      <p><button type="button" id="review">Review my schedule</button></p>`,
    );
  }

  function review(root, schedule) {
    step(
      root,
      html`<h3 tabindex="-1">3. Your day</h3>${scheduleList(schedule, { label: 'Rate 5', data: 'rate' })}
      <p><button type="button" id="finish">Done without rating</button></p>`,
    );
  }

  function bind(root) {
    root.addEventListener('click', (event) => {
      const button = event.target.closest('button');
      if (!button || !root.contains(button)) return;
      if (button.id === 'start') {
        journey = actions.startJourney('plan my day');
        onTraced(journey.traceId);
        pickAudience(root);
      } else if (button.dataset.audience) {
        const audience = button.dataset.audience;
        run(root, 'pick audience', 'button[data-audience]', { [attrs.UI_AUDIENCE]: audience }, async (ctx, span) => {
          const { data } = await graphql(ctx, 'SearchTalks', SEARCH_TALKS, { audience });
          span.setAttribute(attrs.UI_RESULT_COUNT, data.talks.items.length);
          browse(root, data.talks.items);
        });
      } else if (button.dataset.add) {
        const id = button.dataset.add;
        run(root, 'add to schedule', 'button[data-add]', { [attrs.UI_TALK_ID]: id }, async (ctx) => {
          await graphql(ctx, 'AddToSchedule', ADD_TO_SCHEDULE, { id });
          button.textContent = 'Added';
          button.disabled = true;
        });
      } else if (button.id === 'review') {
        run(root, 'review schedule', 'button#review', {}, async (ctx, span) => {
          const { data } = await graphql(ctx, 'MySchedule', MY_SCHEDULE);
          span.setAttribute(attrs.UI_RESULT_COUNT, data.mySchedule.talks.length);
          review(root, data.mySchedule);
        });
      } else if (button.dataset.rate) {
        const id = button.dataset.rate;
        run(
          root,
          'submit feedback',
          'button[data-rate]',
          { [attrs.UI_TALK_ID]: id, [attrs.UI_RATING]: 5 },
          async (ctx) => {
            await graphql(ctx, 'SubmitFeedback', SUBMIT_FEEDBACK, { id, rating: 5 });
            finish(root, 'completed');
          },
        );
      } else if (button.id === 'finish') {
        finish(root, 'completed');
      }
    });
  }

  function finish(root, outcome) {
    if (journey) journey.end(outcome);
    journey = null;
    step(
      root,
      html`<h3 tabindex="-1">Your day is planned.</h3>
      <p><a href="/schedule" data-link>See my schedule</a> or <button type="button" id="start">plan again</button></p>`,
    );
  }

  return {
    async render(root, { span }) {
      show(
        root,
        html`<section aria-labelledby="plan-heading">
        <h2 id="plan-heading" tabindex="-1">Plan my day</h2>
        <p>Three steps from an empty day to a schedule, traced as one journey.</p>
        <div class="step"><p><button type="button" id="start">Start</button></p></div>
        <p class="plan-status" role="status" aria-live="polite"></p>
      </section>`,
      );
      span.setAttribute(attrs.UI_RESULT_COUNT, 0);
      bind(root.querySelector('section'));
    },
    leave() {
      if (journey) journey.end('abandoned: left');
      journey = null;
    },
  };
}
