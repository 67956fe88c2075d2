"""Attribute keys of Journey's Python telemetry, named after the OpenTelemetry semantic conventions,
and the one rule for what a session id may look like. Standard library only."""

import re

# https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/
GRAPHQL_OPERATION_TYPE = "graphql.operation.type"
GRAPHQL_OPERATION_NAME = "graphql.operation.name"
GRAPHQL_DOCUMENT = "graphql.document"
# resolver spans: no semantic convention yet; the keys follow OpenTelemetry JS's GraphQL instrumentation
GRAPHQL_FIELD_NAME = "graphql.field.name"
GRAPHQL_FIELD_PATH = "graphql.field.path"
GRAPHQL_FIELD_TYPE = "graphql.field.type"
GRAPHQL_PARENT_TYPE = "graphql.parent.type"
GRAPHQL_ARGUMENT_PREFIX = "graphql.argument."

# the app's own attributes (no convention covers them): namespaced by the domain
SCHEDULE_CONFLICT_COUNT = "schedule.conflict.count"

# https://opentelemetry.io/docs/specs/semconv/general/session/
SESSION_ID = "session.id"
# a session id is a short plain token; anything else is ignored rather than stored or traced
SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# set by `journey load` in baggage and copied onto every span: traffic no person made
SYNTHETIC = "journey.synthetic"

EXCEPTION_TYPE = "exception.type"
EXCEPTION_MESSAGE = "exception.message"

SERVICE_NAME = "service.name"
SERVICE_VERSION = "service.version"
DEPLOYMENT_ENVIRONMENT = "deployment.environment.name"
