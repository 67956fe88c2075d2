// Boot: read the runtime config, start telemetry, then route.
import { mountAttendee, withAttendee } from './attendee.js';
import { mountDemoStatus } from './demo-status.js';
import { startRouter } from './router.js';
import { initTelemetry } from './telemetry.js';
import { mountTracePanel } from './trace-panel.js';
import { UntracedActions } from './user-actions.js';
import { createPlanView } from './views/plan.js';
import { createScheduleView } from './views/schedule.js';
import { createTalkView } from './views/talk.js';
import { createTalksView } from './views/talks.js';

async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return response.json();
}

// Tracing never stops the app: if its set-up fails (the OTLP exporter's chunk could not be loaded, say),
// the app runs untraced and says why in the console.
async function startTelemetry(config) {
  if (!config.tracing) return new UntracedActions();
  try {
    return await initTelemetry(config);
  } catch (error) {
    console.error('Journey runs untraced: the tracing set-up failed', error);
    return new UntracedActions();
  }
}

async function main() {
  mountAttendee(document.querySelector('#attendee'));
  const config = await loadConfig();
  mountDemoStatus(document.querySelector('#demo-status'), config, loadConfig);
  const actions = withAttendee(await startTelemetry(config)); // the workshop nickname on every action
  const onTraced = mountTracePanel(document.querySelector('#trace-panel'), config);
  const views = {
    talks: createTalksView(actions, onTraced),
    talk: createTalkView(actions, onTraced),
    schedule: createScheduleView(actions, onTraced),
    plan: createPlanView(actions, onTraced),
  };
  await startRouter(document.querySelector('#app'), views, actions, onTraced);
}

main().catch((error) => {
  document.querySelector('#app').textContent = `Journey could not start: ${error.message}`;
});
