// The page's footer: what the demo runs with (the fixes made and the problems still planted, the
// samplers, the exporter, the span store), from /config.json's `demo`, so an attendee sees which
// fixes are on without asking the terminal. `journey fix` acts on a running demo, so the footer
// reads the config again whenever the page comes back into view or focus (back from the terminal).

/** A fix's name, with the switch that decided it when one overrides the remembered fixes. */
function fixName(fix) {
  return fix.by && fix.by !== 'remembered' ? `${fix.name} (${fix.by}=${fix.on})` : fix.name;
}

/** The status line's parts, in words, from config.demo. */
export function describeDemo(demo) {
  const fixed = demo.fixes.filter((fix) => fix.on).map(fixName);
  const planted = demo.fixes.filter((fix) => !fix.on).map(fixName);
  const sampler = [demo.sampler, demo.samplerArg].filter((part) => part != null).join(' ');
  return [
    `Fixed: ${fixed.join(', ') || 'none yet'}`,
    `Planted: ${planted.join(', ') || 'none'}`,
    `Sampling: browser ${Math.round(demo.browserSampleRatio * 100)} %, backend ${sampler}`,
    `Spans: ${demo.exporter} to ${demo.store === 'zipkin' ? 'Zipkin' : "Journey's collector"}`,
  ];
}

function show(footer, config) {
  footer.hidden = !config.demo;
  if (!config.demo) return;
  footer.replaceChildren(
    ...describeDemo(config.demo).map((text) => {
      const part = document.createElement('span');
      part.textContent = text;
      return part;
    }),
  );
}

/** Show the demo's status in `footer`, and again from `loadConfig()` whenever the page is back in view. */
export function mountDemoStatus(footer, config, loadConfig) {
  show(footer, config);
  const refresh = () => {
    if (document.visibilityState !== 'visible') return;
    loadConfig().then(
      (fresh) => show(footer, fresh),
      () => {}, // the demo stopping is not the status line's to report: the next action says so
    );
  };
  document.addEventListener('visibilitychange', refresh);
  window.addEventListener('focus', refresh);
}
