// The GraphQL client. Every call takes the context of the user action that caused it, so its
// CLIENT span is that action's child even after an `await`.
import { fetchSpan } from './http-span.js';

export class GraphQLRequestError extends Error {
  constructor(message, traceId) {
    super(message);
    this.name = 'GraphQLRequestError';
    this.traceId = traceId;
  }
}

/** The trace id from a W3C `traceresponse` header (00-<trace-id>-<span-id>-<flags>). */
export function traceIdFrom(response) {
  const header = response.headers.get('traceresponse') || '';
  const match = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header);
  return match ? match[1] : null;
}

/** POST one operation to /graphql in the action's context; resolves to { data, traceId }. */
export async function graphql(ctx, operationName, query, variables = {}) {
  const span = fetchSpan(ctx, 'POST', new URL('/graphql', window.location.href));
  let response;
  let body;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...span.headers },
      body: JSON.stringify({ operationName, query, variables }),
    });
    body = await response.json().catch(() => null);
  } catch (error) {
    span.end(null, error);
    throw error;
  }
  span.end(response);
  const traceId = traceIdFrom(response);
  if (body === null) {
    throw new GraphQLRequestError(`The API answered ${response.status} without JSON`, traceId);
  }
  if (body.errors?.length) {
    throw new GraphQLRequestError(body.errors.map((e) => e.message).join('; '), traceId);
  }
  return { data: body.data, traceId };
}
