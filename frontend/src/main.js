// Boot: read the runtime config, start telemetry, mount the view and the trace panel.
import { initTelemetry } from './telemetry.js';
import { mountTalks } from './views/talks.js';

async function loadConfig() {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return response.json();
}

function untracedAction(_name, _target, run) {
  return run(undefined, { setAttribute() {}, addEvent() {} });
}

function mountTracePanel(panel, config) {
  const link = panel.querySelector('#open-trace');
  const id = panel.querySelector('#trace-id');
  return (traceId) => {
    panel.hidden = !traceId;
    if (!traceId) return;
    id.textContent = traceId;
    link.href = new URL(`traces/${traceId}`, config.viewerUrl).href;
  };
}

async function main() {
  const config = await loadConfig();
  const { traceUserAction } = config.tracing ? initTelemetry(config) : { traceUserAction: untracedAction };
  const onTraced = mountTracePanel(document.querySelector('#trace-panel'), config);
  mountTalks(document.querySelector('#app'), { traceUserAction, onTraced });
}

main().catch((error) => {
  document.querySelector('#app').textContent = `Journey could not start: ${error.message}`;
});
