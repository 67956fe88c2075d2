// User actions as traces. Each action's span is the root of its trace, and every fetch the action
// causes is its child, because the action's context is passed to the API client explicitly. A
// guided journey makes a whole flow of actions one trace.
//
// Our own code, standing in for @opentelemetry/instrumentation-user-interaction (0.67.0). That
// package names each span for the DOM event (`click`), ends it when the listener returns, before
// the fetch the listener started has answered, and a fetch made after an `await` is the root of a
// trace of its own; with zone.js (13 kB gzipped, over the bundle budget) too, because native
// async/await does not run through zone.js. It has no notion of a journey of several actions
// either. In real Chromium: tests/test_e2e_browser_stock.py::test_stock_user_interaction_span_ends_before_its_fetches;
// this module's traces: tests/test_e2e_browser.py (each action, and the guided flow, one trace).
import { propagation, ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import * as attrs from './conventions.js';
import { recordError } from './errors.js';
import { withTraceHeaderOrigins } from './http-span.js';
import { actionEnded, actionStarted } from './recent-actions.js';
import { currentSessionId, noteActivity } from './session.js';

const JOURNEY_TIMEOUT_MS = 10 * 60 * 1000;

// Trace ids of recent actions the sampler did not keep: the trace panel says so instead of linking
// to a trace that was never recorded (the backend follows the browser's decision, so none exists).
const unsampledTraces = new Set();

function noteSampling(span) {
  const { traceId, traceFlags } = span.spanContext();
  if (traceFlags & TraceFlags.SAMPLED) return;
  if (unsampledTraces.size >= 200) unsampledTraces.clear();
  unsampledTraces.add(traceId);
}

/** Whether the action whose trace id this is was kept by the sampler. */
export function wasSampled(traceId) {
  return !unsampledTraces.has(traceId);
}

/**
 * User actions as spans. `run` makes one action one trace: a span named for the intent, root of
 * its trace, with session.id in baggage so the backend gets it too; pass its `ctx` to every API
 * call it makes. While a journey is open (`startJourney`), actions are its children instead, so
 * the whole guided flow is one trace; each action's spans still leave as soon as it ends.
 */
export class UserActions {
  /** `traceHeaderOrigins`: the origins (a Set) the actions' API calls may send trace headers to. */
  constructor(tracer, traceHeaderOrigins) {
    this.tracer = tracer;
    this.traceHeaderOrigins = traceHeaderOrigins;
    this.journey = null;
  }

  /** A new root context: session.id in baggage, and where trace headers may go. */
  sessionContext() {
    const sessionBaggage = propagation.createBaggage({ [attrs.SESSION_ID]: { value: currentSessionId() } });
    return withTraceHeaderOrigins(propagation.setBaggage(ROOT_CONTEXT, sessionBaggage), this.traceHeaderOrigins);
  }

  baseContext() {
    if (this.journey) return this.journey.ctx;
    return this.sessionContext();
  }

  /** Run `fn(ctx, span)` as the action `name`; `target` says what was acted on and how. */
  async run(name, target, fn) {
    noteActivity(); // before the session is read: after an idle end, the action starts the next one
    const parent = this.baseContext();
    const attributes = {
      [attrs.UI_ACTION]: name,
      [attrs.UI_EVENT_TYPE]: target.event,
      [attrs.UI_TARGET]: target.element,
      ...(target.attributes || {}),
    };
    if (this.journey) attributes[attrs.UI_JOURNEY_STEP] = this.journey.steps++;
    const span = this.tracer.startSpan(name, { attributes }, parent);
    noteSampling(span);
    const ctx = trace.setSpan(parent, span);
    const running = actionStarted(name, span);
    try {
      return await fn(ctx, span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      actionEnded(running);
      span.end();
    }
  }

  /** Open a journey: one long-lived span that the following actions are children of, until `end`. */
  startJourney(name) {
    if (this.journey) this.journey.end('abandoned: restarted');
    noteActivity();
    const parent = this.sessionContext();
    const span = this.tracer.startSpan(name, { attributes: { [attrs.UI_ACTION]: name } }, parent);
    noteSampling(span);
    const onHidden = () => document.visibilityState === 'hidden' && journey.end('abandoned: page hidden');
    const timer = setTimeout(() => journey.end('abandoned: timed out'), JOURNEY_TIMEOUT_MS);
    const journey = {
      ctx: trace.setSpan(parent, span),
      traceId: span.spanContext().traceId,
      steps: 1,
      end: (outcome) => {
        if (this.journey !== journey) return;
        this.journey = null;
        clearTimeout(timer);
        document.removeEventListener('visibilitychange', onHidden);
        span.setAttribute(attrs.UI_JOURNEY_OUTCOME, outcome);
        span.setAttribute(attrs.UI_JOURNEY_STEPS, journey.steps - 1);
        if (outcome !== 'completed') span.setStatus({ code: SpanStatusCode.UNSET });
        span.end();
      },
    };
    document.addEventListener('visibilitychange', onHidden);
    this.journey = journey;
    return journey;
  }
}

/** The same interface with tracing off (OTEL_SDK_DISABLED on the backend): actions just run. */
export class UntracedActions {
  constructor() {
    this.journey = null;
  }
  run(_name, _target, fn) {
    return fn(undefined, { setAttribute() {}, addEvent() {}, spanContext: () => ({ traceId: '' }) });
  }
  startJourney() {
    this.journey = { ctx: undefined, traceId: '', steps: 1, end: () => (this.journey = null) };
    return this.journey;
  }
}
