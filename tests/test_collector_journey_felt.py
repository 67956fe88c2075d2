"""The journey page's reading of a session's spans: links are made only of ids that are ids, whatever a
browser put in its tags."""

from collector.journey_felt import UNCAUGHT, errors, next_session, previous_session

TRACE = "a" * 32


def start(session: str, previous: str) -> dict:
    return {
        "traceId": TRACE,
        "id": "1" * 16,
        "name": "session.start",
        "tags": {"session.id": session, "session.previous_id": previous},
    }


def test_the_sessions_before_and_after_are_linked_only_when_their_ids_are_session_ids():
    assert previous_session([[start("s2", "s1")]]) == "s1"
    assert previous_session([[start("s2", "../../api/v2/services?x=1#y")]]) is None
    assert next_session([[start("s2", "s1")]], "s1") == "s2"
    assert next_session([[start("a/b?c", "s1")]], "s1") is None


def test_an_errors_action_link_is_its_trace_id_or_else_the_errors_own_trace():
    uncaught = sorted(UNCAUGHT)[0]

    def error(action_trace: str) -> dict:
        tags = {"error": "boom", "ui.action": "search talks", "ui.action_trace_id": action_trace}
        return {"traceId": TRACE, "id": "2" * 16, "name": uncaught, "tags": tags}

    assert errors([error("b" * 32)])[0]["action_trace_id"] == "b" * 32
    assert errors([error("javascript:alert(1)")])[0]["action_trace_id"] == TRACE
