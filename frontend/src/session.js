// The browser's session, after the OpenTelemetry session conventions (session.id,
// session.previous_id, the session.start and session.end events). It starts with the first page
// view, ends after `sessionIdleTimeoutMs` without user activity or `sessionMaxDurationMs` in all
// (both from /config.json), and the next user activity starts a new one naming the old one as its
// previous. Every tab of the browser shares it: it lives in localStorage, and a tab hears of the
// others' writes through the `storage` event.
//
// Not the SessionManager of @opentelemetry/web-common (0.223.0; its span processor is used,
// telemetry.js). By its source, it counts every span started as activity (a timer's span keeps a
// session alive), starts the next session the moment one times out (an idle tab makes a chain of
// empty sessions), stores no last activity (a reload 20 idle minutes later goes on with the old
// session), and its tabs never hear of each other's activity (read from its source; no test).
// This module, in real Chromium: tests/test_e2e_session.py.
const STORAGE_KEY = 'journey.session';
const WRITE_EVERY_MS = 1000; // activity is written at most once a second
// The tab whose activity was the last written records the end when the time is up; the others
// wait this much longer, so the end is recorded once, unless that tab has gone meanwhile.
const HANDOVER_MS = 5000;
const MAX_TIMER_MS = 2 ** 31 - 1;
// What counts as user activity besides the user actions (user-actions.js calls noteActivity).
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'scroll', 'visibilitychange'];

const TAB = newSessionId(); // this page's own id (crypto: Math.random can repeat across tabs)

let limits = { idleMs: 15 * 60 * 1000, maxMs: 4 * 60 * 60 * 1000 };
let observer = { started() {}, ended() {} };
let memory = null; // the session when localStorage is unavailable (private mode, disabled)
let timer;

function newSessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The stored session: { id, startedAt, lastSeen, tab, previousId?, endedAt?, endReason? }. */
function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null');
    const valid = saved && typeof saved.id === 'string' && Number.isFinite(saved.lastSeen + saved.startedAt);
    return valid ? saved : null; // absent or corrupt: a new session starts
  } catch {
    return memory;
  }
}

function save(session) {
  memory = session;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // no storage: the session lives as long as the page
  }
  arm();
}

/** When `session` ends if nothing happens: the first of its idle and maximum deadlines. */
function deadline(session) {
  const idleAt = session.lastSeen + limits.idleMs;
  const maxAt = session.startedAt + limits.maxMs;
  return idleAt <= maxAt
    ? { at: idleAt, reason: 'inactivity', endedAt: session.lastSeen }
    : { at: maxAt, reason: 'max_duration', endedAt: maxAt };
}

/** `session`, marked ended (and its end told once) if its time was up at `now`. */
function endIfOver(session, now) {
  if (!session || session.endedAt) return session;
  const due = deadline(session);
  if (now < due.at) return session;
  // ended at its last activity (inactivity) or at the maximum duration
  const ended = { ...session, endedAt: due.endedAt, endReason: due.reason };
  save(ended);
  observer.ended(ended);
  return ended;
}

function start(now, previous) {
  const session = { id: newSessionId(), startedAt: now, lastSeen: now, tab: TAB };
  if (previous) session.previousId = previous.id;
  save(session);
  observer.started(session);
  return session;
}

/** Keep one timer at the current session's deadline, so an idle tab records the end on time. */
function arm() {
  clearTimeout(timer);
  const session = load();
  if (!session || session.endedAt) return;
  const wait = deadline(session).at + (session.tab === TAB ? 0 : HANDOVER_MS) - Date.now();
  timer = setTimeout(() => endIfOver(load(), Date.now()) && arm(), Math.min(Math.max(wait, 0), MAX_TIMER_MS));
}

/**
 * The session.id records carry: the current session's, or the last one's once it has ended (a
 * record the browser makes on its own, such as an error in a timer, does not start a session).
 */
export function currentSessionId(now = Date.now()) {
  return (endIfOver(load(), now) ?? start(now)).id;
}

/** User activity: the session goes on, or, after its end, the next one starts. */
export function noteActivity(now = Date.now()) {
  const session = endIfOver(load(), now);
  if (!session || session.endedAt) start(now, session);
  else if (now - session.lastSeen >= WRITE_EVERY_MS || session.tab !== TAB)
    save({ ...session, lastSeen: now, tab: TAB });
}

/**
 * Start keeping sessions for this page: the limits from /config.json, `events.started(session)` and
 * `events.ended(session)` told of each start and end, and this page view counted as activity.
 */
export function startSessions(config, events) {
  limits = {
    idleMs: config.sessionIdleTimeoutMs ?? limits.idleMs,
    maxMs: config.sessionMaxDurationMs ?? limits.maxMs,
  };
  observer = events;
  const onActivity = () => noteActivity();
  for (const type of ACTIVITY_EVENTS) document.addEventListener(type, onActivity, { capture: true, passive: true });
  window.addEventListener('storage', (event) => event.key === STORAGE_KEY && arm()); // another tab wrote
  noteActivity();
}
