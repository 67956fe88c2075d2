// The workshop nickname: what an attendee types so that the facilitator's view of the room
// (/zipkin/workshop in the viewer) can name their row. Kept in this browser's localStorage, put on
// each user action's span as `workshop.attendee`, and sent with the action's API calls as the
// `workshop.attendee` W3C baggage member, which the backend copies onto its spans (checked against the
// same rule, common/session.py) as it does session.id. Nothing else about the attendee leaves the page.
import { propagation } from '@opentelemetry/api';
import * as attrs from './conventions.js';

const STORAGE_KEY = 'journey.workshop.attendee';
const MAX_LENGTH = 24;
// letters and digits of any script, spaces, '-' and '_': common/conventions.py WORKSHOP_ATTENDEE_PATTERN
const ALLOWED = /[\p{L}\p{N} _-]/u;

/** What is wrong with a nickname as typed (trimmed), in words; null when it is a good one. */
export function nicknameProblem(nickname) {
  const characters = [...nickname];
  if (characters.length === 0) return `Type a nickname: 1 to ${MAX_LENGTH} letters, digits, spaces, - or _.`;
  if (characters.length > MAX_LENGTH) return `At most ${MAX_LENGTH} characters: this one has ${characters.length}.`;
  const wrong = [...new Set(characters.filter((character) => !ALLOWED.test(character)))];
  if (wrong.length) return `Only letters, digits, spaces, - and _ please, not ${wrong.map((c) => `“${c}”`).join(' ')}.`;
  return null;
}

/** The nickname this browser saved, if any (and still a good one). */
export function currentNickname() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return saved && !nicknameProblem(saved) ? saved : null;
  } catch {
    return null; // storage refused (a private window's settings): no nickname
  }
}

/** The context of an action's calls, with the nickname in its baggage beside session.id. */
function withNicknameBaggage(ctx, nickname) {
  const baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  return propagation.setBaggage(ctx, baggage.setEntry(attrs.WORKSHOP_ATTENDEE, { value: nickname }));
}

/**
 * The user actions (user-actions.js), each carrying the saved nickname, if there is one: on its span,
 * and in the baggage of the `ctx` its API calls are made in. Read at each action, so a nickname saved
 * later counts from the next click on.
 */
export function withAttendee(actions) {
  return {
    startJourney: (name) => actions.startJourney(name),
    run: (name, target, fn) =>
      actions.run(name, target, (ctx, span) => {
        const nickname = currentNickname();
        if (!nickname || !ctx) return fn(ctx, span);
        span.setAttribute(attrs.WORKSHOP_ATTENDEE, nickname);
        return fn(withNicknameBaggage(ctx, nickname), span);
      }),
  };
}

/** The nickname form: shows the saved nickname, checks what is typed, saves it or says what is wrong. */
export function mountAttendee(form) {
  const input = form.querySelector('input');
  const note = form.querySelector('[aria-live]');
  input.value = currentNickname() ?? '';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const nickname = input.value.trim().normalize('NFC');
    const problem = nicknameProblem(nickname);
    input.setAttribute('aria-invalid', String(Boolean(problem)));
    note.classList.toggle('error', Boolean(problem));
    if (problem) {
      note.textContent = problem;
      return;
    }
    try {
      localStorage.setItem(STORAGE_KEY, nickname);
    } catch {
      note.classList.add('error');
      note.textContent = 'This browser does not let the page save it (storage is off).';
      return;
    }
    input.value = nickname;
    note.textContent = `Saved: the facilitator's page shows you as “${nickname}” from your next click.`;
  });
}
