// Facts of the conference the views share; the backend's GraphQL schema is the authority on both.

/** The values of the schema's `Audience` enum, in the order the filters offer them. */
export const AUDIENCES = ['OPS', 'BACKEND', 'FRONTEND', 'SECURITY'];

/** The longest feedback comment the backend accepts; the form says so before sending. */
export const MAX_COMMENT_LENGTH = 500;
