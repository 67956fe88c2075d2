"""Attribute keys of Journey's Python telemetry, and the one rule for what a session id may look like.

Keys the OpenTelemetry semantic conventions define are taken from opentelemetry-semantic-conventions
(`opentelemetry.semconv.attributes` where they are stable, `_incubating` where they are still in
Development), so a renamed key shows up as an import error, not as a silently different tag. The
keys no convention covers yet are Journey's own, below them. Nothing else is imported: the
collector and `journey check` use this module without loading the SDK.
"""

import re

from opentelemetry.semconv._incubating.attributes.db_attributes import DB_SYSTEM
from opentelemetry.semconv._incubating.attributes.graphql_attributes import (
    GRAPHQL_DOCUMENT,
    GRAPHQL_OPERATION_NAME,
    GRAPHQL_OPERATION_TYPE,
)
from opentelemetry.semconv._incubating.attributes.peer_attributes import PEER_SERVICE
from opentelemetry.semconv._incubating.attributes.service_attributes import SERVICE_PEER_NAME
from opentelemetry.semconv._incubating.attributes.session_attributes import SESSION_ID
from opentelemetry.semconv.attributes.db_attributes import DB_SYSTEM_NAME
from opentelemetry.semconv.attributes.deployment_attributes import DEPLOYMENT_ENVIRONMENT_NAME
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.exception_attributes import EXCEPTION_MESSAGE, EXCEPTION_TYPE
from opentelemetry.semconv.attributes.http_attributes import HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE
from opentelemetry.semconv.attributes.server_attributes import SERVER_ADDRESS, SERVER_PORT
from opentelemetry.semconv.attributes.service_attributes import SERVICE_NAME, SERVICE_VERSION
from opentelemetry.semconv.attributes.url_attributes import URL_FULL

__all__ = [  # the keys taken from the conventions, re-exported for Journey's code
    "DB_SYSTEM",
    "DB_SYSTEM_NAME",
    "DEPLOYMENT_ENVIRONMENT_NAME",
    "ERROR_TYPE",
    "EXCEPTION_MESSAGE",
    "EXCEPTION_TYPE",
    "GRAPHQL_DOCUMENT",
    "GRAPHQL_OPERATION_NAME",
    "GRAPHQL_OPERATION_TYPE",
    "HTTP_REQUEST_METHOD",
    "HTTP_RESPONSE_STATUS_CODE",
    "PEER_SERVICE",
    "SERVER_ADDRESS",
    "SERVER_PORT",
    "SERVICE_NAME",
    "SERVICE_PEER_NAME",
    "SERVICE_VERSION",
    "SESSION_ID",
    "URL_FULL",
]

# Resolver spans: no semantic convention yet; the keys follow OpenTelemetry JS's GraphQL instrumentation.
GRAPHQL_FIELD_NAME = "graphql.field.name"
GRAPHQL_FIELD_PATH = "graphql.field.path"
GRAPHQL_FIELD_TYPE = "graphql.field.type"
GRAPHQL_PARENT_TYPE = "graphql.parent.type"
GRAPHQL_ARGUMENT_PREFIX = "graphql.argument."

# the app's own attributes (no convention covers them): namespaced by the domain
SCHEDULE_CONFLICT_COUNT = "schedule.conflict.count"
# set by `journey load` in baggage and copied onto every span: traffic no person made
SYNTHETIC = "journey.synthetic"

# a session id is a short plain token; anything else is ignored rather than stored or traced
SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# the nickname an attendee types in the app for the facilitator's view of the room (/zipkin/workshop): a
# baggage member the backend copies onto its spans, as it does session.id; nothing else personal travels
WORKSHOP_ATTENDEE = "workshop.attendee"
# 1 to 24 letters or digits (of any script), spaces, '-' and '_', no space at either end (the app trims):
# frontend/src/attendee.js, the same rule
WORKSHOP_ATTENDEE_PATTERN = re.compile(r"(?! )(?:[^\W_]|[ _-]){1,24}(?<! )")
