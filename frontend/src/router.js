// Client-side routes on the history API. Each route change is a user action span named for its
// intent (show talks, open talk, ...), parent of the fetches the new view makes.
import * as attrs from './conventions.js';

const ROUTES = [
  { template: '/', pattern: /^\/$/, intent: 'show talks', view: 'talks' },
  { template: '/talks/:id', pattern: /^\/talks\/([0-9]{1,9})$/, intent: 'open talk', view: 'talk' },
  { template: '/schedule', pattern: /^\/schedule$/, intent: 'show schedule', view: 'schedule' },
  { template: '/plan', pattern: /^\/plan$/, intent: 'open plan my day', view: 'plan' },
];

function match(pathname) {
  for (const route of ROUTES) {
    const found = route.pattern.exec(pathname);
    if (found) return { route, params: found.slice(1) };
  }
  return null;
}

/** Render the view of the current URL into `root`, and again on every in-app navigation. */
export function startRouter(root, views, actions, onTraced) {
  let current = null;

  async function render(event, element) {
    const url = new URL(window.location.href);
    const matched = match(url.pathname);
    if (current?.leave) current.leave();
    if (!matched) {
      current = null;
      root.innerHTML = '<h2 tabindex="-1">Not found</h2><p><a href="/" data-link>Back to the talks</a></p>';
      return;
    }
    const { route, params } = matched;
    current = views[route.view];
    const target = { event, element, attributes: { [attrs.UI_ROUTE]: route.template } };
    try {
      await actions.run(route.intent, target, async (ctx, span) => {
        await current.render(root, { params, query: url.searchParams, ctx, span, navigate });
        onTraced(span.spanContext().traceId);
      });
    } catch (error) {
      root.querySelector('[role=status]')?.replaceChildren(`Could not load: ${error.message}`);
    }
    const heading = root.querySelector('h2');
    if (heading && event !== 'load') heading.focus();
  }

  function navigate(href, element = 'a') {
    history.pushState(null, '', href);
    return render('click', element);
  }

  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-link]');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(link.getAttribute('href'), `a[href="${link.getAttribute('href')}"]`);
  });
  window.addEventListener('popstate', () => render('popstate', 'window'));
  return render('load', 'document');
}
