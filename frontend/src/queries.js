// The GraphQL documents the app sends, each a named operation (the backend names its spans after them).
const TALK_FIELDS = 'id title startsAt endsAt room audiences speakers { name handle }';

export const SEARCH_TALKS = `query SearchTalks($audience: Audience, $search: String) {
  talks(audience: $audience, search: $search, limit: 50) { total items { ${TALK_FIELDS} } }
}`;

export const SHOW_TALK = `query ShowTalk($id: ID!) {
  talk(id: $id) { ${TALK_FIELDS} abstract rating }
  mySchedule { talks { id } }
}`;

const SCHEDULE_FIELDS = `talks { ${TALK_FIELDS} } conflicts { first { id title } second { id title } }`;

export const MY_SCHEDULE = `query MySchedule {
  mySchedule { ${SCHEDULE_FIELDS} }
  recommendations(limit: 3) { ${TALK_FIELDS} }
}`;

export const ADD_TO_SCHEDULE = `mutation AddToSchedule($id: ID!) { addToSchedule(talkId: $id) { ${SCHEDULE_FIELDS} } }`;

export const REMOVE_FROM_SCHEDULE = `mutation RemoveFromSchedule($id: ID!) {
  removeFromSchedule(talkId: $id) { ${SCHEDULE_FIELDS} }
}`;

export const SUBMIT_FEEDBACK = `mutation SubmitFeedback($id: ID!, $rating: Int!, $comment: String) {
  submitFeedback(talkId: $id, rating: $rating, comment: $comment) { id rating }
}`;
