// Safe HTML from template literals: every interpolated value is escaped unless it is already `raw`.
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

class Raw {
  constructor(text) {
    this.text = text;
  }
}

export const raw = (text) => new Raw(text);

function render(value) {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** html`<p>${text}</p>` → a Raw whose interpolations are escaped. */
export function html(strings, ...values) {
  return raw(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]) : ''), ''));
}

/** Put `content` (from html``) into `element`. */
export function show(element, content) {
  element.innerHTML = render(content);
}

export function timeOf(iso) {
  return iso.slice(11, 16);
}
