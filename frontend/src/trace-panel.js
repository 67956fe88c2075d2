// The trace panel: the last action's trace id, a link to that trace, and one to my whole journey.
import { currentSessionId } from './session.js';
import { wasSampled } from './user-actions.js';

/**
 * The viewer URL of everything this session did: our journey page, or a search in real Zipkin.
 * Zipkin's UI (Lens) runs a search only for a lookback it offers (`1d`) with the end of its window.
 */
export function journeyUrl(config, sessionId, now = Date.now()) {
  if (config.viewerKind === 'zipkin') {
    const search = new URLSearchParams({
      annotationQuery: `session.id=${sessionId}`,
      lookback: '1d',
      endTs: String(now),
      limit: '100',
    });
    return new URL(`?${search}`, config.viewerUrl).href;
  }
  return new URL(`journeys/${sessionId}`, config.viewerUrl).href;
}

// The one browser tab the panel's links open the viewer in: a click after the next action shows its trace
// there instead of opening one more tab. Without index.html's `noopener` (or `noreferrer`, which implies
// it): a window opened so cannot be found by its name again, and each click would open another. The
// viewer is our own page on another origin: it cannot read this one.
export const VIEWER_TAB = 'journey-viewer';

/** Wire the panel; returns `onTraced(traceId)`, which every view calls after an action. */
export function mountTracePanel(panel, config) {
  const traceLink = panel.querySelector('#open-trace');
  const journeyLink = panel.querySelector('#open-journey');
  const id = panel.querySelector('#trace-id');
  const note = panel.querySelector('#trace-note');
  for (const link of [traceLink, journeyLink]) {
    link.target = VIEWER_TAB;
    link.removeAttribute('rel');
  }
  return (traceId) => {
    if (!traceId || !config.tracing) return;
    panel.hidden = false;
    id.textContent = traceId;
    const kept = wasSampled(traceId);
    traceLink.hidden = !kept;
    note.hidden = kept;
    traceLink.href = new URL(`traces/${traceId}`, config.viewerUrl).href;
    journeyLink.href = journeyUrl(config, currentSessionId());
  };
}
