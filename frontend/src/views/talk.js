// One talk: speakers, add to / remove from my schedule (with a conflict warning), and feedback.
import { graphql } from '../api.js';
import * as attrs from '../conventions.js';
import { MAX_COMMENT_LENGTH } from '../domain.js';
import { html, show, timeOf } from '../html.js';
import { ADD_TO_SCHEDULE, REMOVE_FROM_SCHEDULE, SHOW_TALK, SUBMIT_FEEDBACK } from '../queries.js';

export function conflictsOf(schedule, talkId) {
  return schedule.conflicts.filter((c) => c.first.id === talkId || c.second.id === talkId);
}

export function conflictWarning(conflicts) {
  if (!conflicts.length) return '';
  const titles = conflicts.map((c) => `“${c.first.title}” and “${c.second.title}”`).join('; ');
  return html`<p class="warning" role="alert">Schedule conflict: ${titles} overlap.</p>`;
}

/** Validation messages for the feedback form, empty when it may be sent. */
export function feedbackProblems(rating, comment) {
  const problems = [];
  if (!(rating >= 1 && rating <= 5)) problems.push('Choose a rating from 1 to 5.');
  if (comment.length > MAX_COMMENT_LENGTH) problems.push(`Keep the comment to ${MAX_COMMENT_LENGTH} characters.`);
  return problems;
}

function talkPage(talk) {
  return html`<article aria-labelledby="talk-heading">
        <p><a href="/" data-link>← All talks</a></p>
        <h2 id="talk-heading" tabindex="-1">${talk.title}</h2>
        <p class="meta">${timeOf(talk.startsAt)}–${timeOf(talk.endsAt)} · ${talk.room} ·
          ${talk.audiences.map((a) => a.toLowerCase()).join(', ')}
          ${talk.rating ? html` · rated ${talk.rating}/5` : ''}</p>
        <p>${talk.abstract}</p>
        <h3>Speakers</h3>
        <ul class="speakers">${talk.speakers.map((s) => html`<li>${s.name}${s.handle ? html` (${s.handle})` : ''}</li>`)}</ul>
        <p><button type="button" id="toggle-schedule"></button></p>
        <div class="schedule-status" role="status" aria-live="polite"></div>
        <form class="feedback" novalidate>
          <h3>Your feedback</h3>
          <fieldset><legend>Rating</legend>
            ${[1, 2, 3, 4, 5].map((n) => html`<label><input type="radio" name="rating" value="${n}"> ${n}</label>`)}
          </fieldset>
          <label>Comment <small>(optional, at most ${MAX_COMMENT_LENGTH} characters)</small>
            <textarea name="comment" rows="3"></textarea></label>
          <button type="submit">Send feedback</button>
          <div class="feedback-status" role="status" aria-live="polite"></div>
        </form>
      </article>`;
}

/** The add/remove button: each click is one action; then whether the talk is in, and its conflicts. */
function wireScheduleToggle(root, talk, scheduledAtFirst, actions, onTraced) {
  const toggle = root.querySelector('#toggle-schedule');
  const status = root.querySelector('.schedule-status');
  let scheduled = scheduledAtFirst;
  const label = () => (toggle.textContent = scheduled ? 'Remove from my schedule' : 'Add to my schedule');
  label();
  toggle.addEventListener('click', () => {
    const adding = !scheduled;
    const target = { event: 'click', element: 'button#toggle-schedule', attributes: { [attrs.UI_TALK_ID]: talk.id } };
    toggle.disabled = true;
    actions
      .run(adding ? 'add to schedule' : 'remove from schedule', target, async (actionCtx) => {
        const [name, query] = adding
          ? ['AddToSchedule', ADD_TO_SCHEDULE]
          : ['RemoveFromSchedule', REMOVE_FROM_SCHEDULE];
        const result = await graphql(actionCtx, name, query, { id: talk.id });
        onTraced(result.traceId);
        const schedule = adding ? result.data.addToSchedule : result.data.removeFromSchedule;
        scheduled = schedule.talks.some((t) => t.id === talk.id);
        show(
          status,
          html`${scheduled ? 'In your schedule.' : 'Not in your schedule.'}
              ${conflictWarning(conflictsOf(schedule, talk.id))}`,
        );
      })
      .catch((error) => (status.textContent = `Could not update the schedule: ${error.message}`))
      .finally(() => {
        toggle.disabled = false;
        label();
      });
  });
}

/** The feedback form: checked here first, then sent as one action. */
function wireFeedbackForm(root, talk, actions, onTraced) {
  const form = root.querySelector('form.feedback');
  const feedbackStatus = form.querySelector('.feedback-status');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const rating = Number(form.querySelector('input[name=rating]:checked')?.value);
    const comment = form.comment.value.trim();
    const problems = feedbackProblems(rating, comment);
    if (problems.length) {
      show(feedbackStatus, html`<span class="error">${problems.join(' ')}</span>`);
      return;
    }
    const target = {
      event: 'submit',
      element: 'form.feedback',
      attributes: { [attrs.UI_TALK_ID]: talk.id, [attrs.UI_RATING]: rating, [attrs.UI_COMMENT_LENGTH]: comment.length },
    };
    actions
      .run('submit feedback', target, async (actionCtx) => {
        const variables = { id: talk.id, rating, comment: comment || null };
        const result = await graphql(actionCtx, 'SubmitFeedback', SUBMIT_FEEDBACK, variables);
        onTraced(result.traceId);
        feedbackStatus.textContent = 'Thank you for your feedback!';
        form.reset();
      })
      .catch((error) => {
        onTraced(error.traceId || null);
        show(feedbackStatus, html`<span class="error">Could not send the feedback: ${error.message}</span>`);
      });
  });
}

export function createTalkView(actions, onTraced) {
  return {
    async render(root, { params, ctx, span }) {
      const { data, traceId } = await graphql(ctx, 'ShowTalk', SHOW_TALK, { id: params[0] });
      onTraced(traceId);
      const talk = data.talk;
      if (!talk) {
        show(root, html`<h2 tabindex="-1">No such talk</h2><p><a href="/" data-link>Back to the talks</a></p>`);
        return;
      }
      span.setAttribute(attrs.UI_TALK_ID, talk.id);
      const scheduled = data.mySchedule.talks.some((t) => t.id === talk.id);
      show(root, talkPage(talk));
      wireScheduleToggle(root, talk, scheduled, actions, onTraced);
      wireFeedbackForm(root, talk, actions, onTraced);
    },
  };
}
