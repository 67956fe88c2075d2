// One session id per browser session: kept across reloads (sessionStorage), renewed after
// INACTIVITY_MS without activity, so a returning visitor starts a new journey. Not the
// SessionManager of @opentelemetry/web-common (0.223.0; its span processor is used, telemetry.js):
// by its source, it times inactivity in the page only and stores no last activity, so a session
// restored after a reload 31 idle minutes later would go on
// (tests/test_e2e_browser.py::test_a_session_is_renewed_after_30_minutes_of_inactivity).
const STORAGE_KEY = 'journey.session';
export const INACTIVITY_MS = 30 * 60 * 1000;

function newSessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function read() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
    return saved && typeof saved.id === 'string' && typeof saved.lastSeen === 'number' ? saved : null;
  } catch {
    return null; // storage disabled or corrupt: start a new session
  }
}

/** The current session id; touching it counts as activity. */
export function currentSessionId(now = Date.now()) {
  let session = read();
  if (!session || now - session.lastSeen > INACTIVITY_MS) {
    session = { id: newSessionId(), lastSeen: now };
  }
  session.lastSeen = now;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // private mode without storage: the id lives as long as the page
  }
  return session.id;
}
