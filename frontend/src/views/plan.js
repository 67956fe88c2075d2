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

function planPage() {
  return html`<section aria-labelledby="plan-heading">
        <h2 id="plan-heading" tabindex="-1">Plan my day</h2>
        <p>Three steps from an empty day to a schedule, traced as one journey.</p>
        <div class="step"><p><button type="button" id="start">Start</button></p></div>
        <p class="plan-status" role="status" aria-live="polite"></p>
      </section>`;
}

function audienceStep() {
  return html`<h3 tabindex="-1">1. Who are you?</h3>
      <p>${AUDIENCES.map((a) => html`<button type="button" data-audience="${a}">${a.toLowerCase()}</button> `)}</p>`;
}

function talksStep(talks) {
  return html`<h3 tabindex="-1">2. Add the talks you want to see</h3>
      <ol class="talks">${talks.map((t) => talkItem(t, html`<button type="button" data-add="${t.id}">Add</button>`))}</ol>
      <p><button type="button" id="review">Review my schedule</button></p>`;
}

function reviewStep(schedule) {
  return html`<h3 tabindex="-1">3. Your day</h3>${scheduleList(schedule, { label: 'Rate 5', data: 'rate' })}
      <p><button type="button" id="finish">Done without rating</button></p>`;
}

function doneStep() {
  return html`<h3 tabindex="-1">Your day is planned.</h3>
      <p><a href="/schedule" data-link>See my schedule</a> or <button type="button" id="start">plan again</button></p>`;
}

/** The flow's steps, one method per button, and the journey they are part of while it is open. */
class PlanFlow {
  constructor(actions, onTraced) {
    this.actions = actions;
    this.onTraced = onTraced;
    this.journey = null;
  }

  /** Take the step of the button clicked in the flow's `section`. */
  onClick(section, event) {
    const button = event.target.closest('button');
    if (!button || !section.contains(button)) return;
    if (button.id === 'start') this.start(section);
    else if (button.dataset.audience) this.pickAudience(section, button.dataset.audience);
    else if (button.dataset.add) this.addTalk(section, button);
    else if (button.id === 'review') this.review(section);
    else if (button.dataset.rate) this.rate(section, button.dataset.rate);
    else if (button.id === 'finish') this.finish(section, 'completed');
  }

  start(section) {
    this.journey = this.actions.startJourney('plan my day');
    this.onTraced(this.journey.traceId);
    showStep(section, audienceStep());
  }

  pickAudience(section, audience) {
    const attributes = { [attrs.UI_AUDIENCE]: audience };
    this.run(section, 'pick audience', 'button[data-audience]', attributes, async (ctx, span) => {
      const { data } = await graphql(ctx, 'SearchTalks', SEARCH_TALKS, { audience });
      span.setAttribute(attrs.UI_RESULT_COUNT, data.talks.items.length);
      showStep(section, talksStep(data.talks.items));
    });
  }

  addTalk(section, button) {
    const id = button.dataset.add;
    this.run(section, 'add to schedule', 'button[data-add]', { [attrs.UI_TALK_ID]: id }, async (ctx) => {
      await graphql(ctx, 'AddToSchedule', ADD_TO_SCHEDULE, { id });
      button.textContent = 'Added';
      button.disabled = true;
    });
  }

  review(section) {
    this.run(section, 'review schedule', 'button#review', {}, async (ctx, span) => {
      const { data } = await graphql(ctx, 'MySchedule', MY_SCHEDULE);
      span.setAttribute(attrs.UI_RESULT_COUNT, data.mySchedule.talks.length);
      showStep(section, reviewStep(data.mySchedule));
    });
  }

  rate(section, id) {
    const attributes = { [attrs.UI_TALK_ID]: id, [attrs.UI_RATING]: 5 };
    this.run(section, 'submit feedback', 'button[data-rate]', attributes, async (ctx) => {
      await graphql(ctx, 'SubmitFeedback', SUBMIT_FEEDBACK, { id, rating: 5 });
      this.finish(section, 'completed');
    });
  }

  finish(section, outcome) {
    this.end(outcome);
    showStep(section, doneStep());
  }

  /** End the open journey, if any, with `outcome`. */
  end(outcome) {
    if (this.journey) this.journey.end(outcome);
    this.journey = null;
  }

  /** One step as a user action; a failure is said in the flow's status line. */
  run(section, name, element, attributes, fn) {
    return this.actions.run(name, { event: 'click', element, attributes }, fn).catch((error) => {
      section.querySelector('.plan-status').textContent = `That did not work: ${error.message}`;
    });
  }
}

function showStep(section, content) {
  show(section.querySelector('.step'), content);
  section.querySelector('.step h3')?.focus();
}

export function createPlanView(actions, onTraced) {
  const flow = new PlanFlow(actions, onTraced);
  return {
    async render(root, { span }) {
      show(root, planPage());
      span.setAttribute(attrs.UI_RESULT_COUNT, 0);
      const section = root.querySelector('section');
      section.addEventListener('click', (event) => flow.onClick(section, event));
    },
    leave() {
      flow.end('abandoned: left');
    },
  };
}
