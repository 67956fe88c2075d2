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

/** Wire the panel; returns `onTraced(traceId)`, which every view calls after an action. */
export function mountTracePanel(panel, config) {
  const traceLink = panel.querySelector('#open-trace');
  const journeyLink = panel.querySelector('#open-journey');
  const id = panel.querySelector('#trace-id');
  const note = panel.querySelector('#trace-note');
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
