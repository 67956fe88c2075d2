"""GraphQL spans after the OpenTelemetry GraphQL semantic conventions (Development), for strawberry's sync view.

Our own code, standing in for strawberry's stock `OpenTelemetryExtensionSync`, whose spans break
the trace shape of interfaces.md and its privacy rule (tests/test_backend_stock.py,
`test_stock_strawberry_extension_misnames_operations_and_records_what_users_typed`): it names a
mutation "GraphQL Query: AddToSchedule" and records no graphql.operation.*, records the query text
with its literal values and every argument value, makes the operation a second SERVER span, and
hangs every resolver span off the operation, so that nothing says which lookup a nested one belongs
to. Its hooks cannot be told otherwise without reaching into its private state. Here:

- `GraphQLTracing` (schema extension): one operation span per request, its errors recorded on it.
  Named `{graphql.operation.type} {graphql.operation.name}` (`mutation AddToSchedule`): the
  conventions' default is `{graphql.operation.type}` alone, because a client chooses the name, and
  this longer form is the option they allow. Journey takes it because its operation names are the
  frontend's fixed set of documents (frontend/src/queries.js), which the trace shapes and the
  workshop find spans by. Kind INTERNAL where the conventions say SERVER: the Flask
  instrumentation's span is the request's SERVER span, and a second one would draw one request as
  two hops. `graphql.document` only when JOURNEY_RECORD_GRAPHQL_DOCUMENT is on (off by default: a
  document can carry what a user typed), and then with every literal value replaced by "*".
- `TracedResolver` (field extension): a span for each resolver that does work, and only those —
  the schema puts it on fields that query the database or call a service. Each span nests under
  its parent field's span. Argument values are recorded only when a setting asks for them. It reads
  strawberry's public `Info` (`path`, `field_name`, `schema`), never its private resolve info.

Fields without the extension cost nothing: strawberry calls a schema extension's `resolve` hook
for every field of every response, which made tracing cost ~20 % of a request on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLSchema,
    OperationDefinitionNode,
    StringValueNode,
    Visitor,
    build_schema,
    parse,
    print_ast,
    visit,
)
from opentelemetry import context, trace
from opentelemetry.trace import Span, Status, StatusCode
from strawberry.extensions import FieldExtension, SchemaExtension

from common import conventions as attrs

MAX_DOCUMENT_LENGTH = 4096
MAX_RECORDED_ERRORS = 5


class _StripLiterals(Visitor):
    """Replace every literal value in a document by "*" so that no user input reaches the span."""

    def _star(self, *_args: Any) -> StringValueNode:
        return StringValueNode(value="*")

    enter_int_value = enter_float_value = enter_string_value = enter_boolean_value = _star


@functools.lru_cache(maxsize=256)
def sanitized_document(query: str) -> str:
    """The document as text with literal values replaced, capped at MAX_DOCUMENT_LENGTH characters.

    Cached by query text: an app sends the same few documents over and over.
    """
    text = print_ast(visit(parse(query, no_location=True), _StripLiterals()))
    return text if len(text) <= MAX_DOCUMENT_LENGTH else text[:MAX_DOCUMENT_LENGTH] + "…"


def _operation(document: DocumentNode | None, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((op for op in operations if op.name and op.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


@functools.lru_cache(maxsize=8)
def _graphql_types(schema: Any) -> GraphQLSchema:
    """A strawberry schema's GraphQL types, rebuilt once from its printed SDL (`as_str`, graphql-core's
    `build_schema`: public APIs both, where strawberry's resolve info keeps the types in a private member)."""
    return build_schema(schema.as_str())


@functools.lru_cache(maxsize=1024)
def _field_description(schema: Any, parent_type: str, field_name: str) -> tuple[str, dict[str, str]]:
    """A resolver span's name and the attributes every call of that field shares (made once per field)."""
    field_type = _graphql_types(schema).get_type(parent_type).fields[field_name].type
    return f"resolve {parent_type}.{field_name}", {
        attrs.GRAPHQL_FIELD_NAME: field_name,
        attrs.GRAPHQL_FIELD_TYPE: str(field_type),
        attrs.GRAPHQL_PARENT_TYPE: parent_type,
    }


@dataclass
class OperationTrace:
    """One request's tracing state, kept on the GraphQL context for the field extension."""

    tracer: trace.Tracer
    operation: Span
    record_arguments: bool
    field_contexts: dict[tuple, context.Context] = field(default_factory=dict)

    def parent_of(self, path: tuple) -> context.Context:
        """The context of the nearest enclosing field that has a span, else the operation's."""
        for end in range(len(path) - 1, 0, -1):
            found = self.field_contexts.get(path[:end])
            if found is not None:
                return found
        return trace.set_span_in_context(self.operation)


class GraphQLTracing(SchemaExtension):
    """The operation span, and the state TracedResolver needs, on `execution_context.context`."""

    def __init__(
        self,
        *,
        execution_context: Any = None,
        tracer: trace.Tracer | None = None,
        record_document: bool = False,
        record_arguments: bool = False,
    ) -> None:
        # one instance per request: the tracer is made once, by the factory (see telemetry.py)
        self._tracer = tracer or trace.get_tracer(__name__)
        self._record_document = record_document
        self._record_arguments = record_arguments
        if execution_context is not None:
            self.execution_context = execution_context

    def on_operation(self) -> Generator[None, None, None]:
        # named for real once the document is parsed; this name stays only if it cannot be
        span = self._tracer.start_span("GraphQL Operation")
        token = context.attach(trace.set_span_in_context(span))
        graphql_context = self.execution_context.context
        if hasattr(graphql_context, "graphql_trace"):
            graphql_context.graphql_trace = OperationTrace(self._tracer, span, self._record_arguments)
        try:
            yield
        finally:
            try:
                self._describe_operation(span)
            finally:
                context.detach(token)
                span.end()

    def _describe_operation(self, span: Span) -> None:
        ctx = self.execution_context
        operation = _operation(ctx.graphql_document, ctx.operation_name)
        if operation is not None:
            kind = operation.operation.value  # query, mutation, subscription
            name = operation.name.value if operation.name else None
            span.update_name(f"{kind} {name}" if name else kind)
            span.set_attribute(attrs.GRAPHQL_OPERATION_TYPE, kind)
            if name:
                span.set_attribute(attrs.GRAPHQL_OPERATION_NAME, name)
        if self._record_document and ctx.graphql_document is not None and ctx.query:
            span.set_attribute(attrs.GRAPHQL_DOCUMENT, sanitized_document(ctx.query))
        errors = list(ctx.pre_execution_errors or [])
        if ctx.result is not None and ctx.result.errors:
            errors += [e for e in ctx.result.errors if e not in errors]
        if errors:
            for error in errors[:MAX_RECORDED_ERRORS]:
                span.add_event(
                    "exception",
                    {
                        attrs.EXCEPTION_TYPE: type(error.original_error or error).__name__,
                        attrs.EXCEPTION_MESSAGE: error.message,
                    },
                )
            span.set_status(Status(StatusCode.ERROR, errors[0].message))


class TracedResolver(FieldExtension):
    """A span around a resolver that does work (database, HTTP), nested under its parent field's span.

    `does_work(source, info)`, when given, says whether this call will: a field served from data
    loaded earlier gets no span.
    """

    def __init__(self, does_work: Callable[[Any, Any], bool] | None = None) -> None:
        self.does_work = does_work

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        state: OperationTrace | None = getattr(info.context, "graphql_trace", None)
        if state is None or (self.does_work is not None and not self.does_work(source, info)):
            return next_(source, info, **kwargs)
        # strawberry's public Info: the path, whose last step names the parent type (graphql-core's Path)
        path = tuple(info.path.as_list())
        name, field_attributes = _field_description(info.schema, info.path.typename, info.field_name)
        attributes = {**field_attributes, attrs.GRAPHQL_FIELD_PATH: ".".join(map(str, path))}
        if state.record_arguments:
            attributes.update({attrs.GRAPHQL_ARGUMENT_PREFIX + k: str(v)[:256] for k, v in kwargs.items()})
        # start_span + attach rather than start_as_current_span: the same span, without the two
        # context-manager layers around it (this runs for every traced field of every request)
        parent = state.parent_of(path)
        span = state.tracer.start_span(name, context=parent, attributes=attributes)
        current = trace.set_span_in_context(span, parent)
        state.field_contexts[path] = current
        token = context.attach(current)
        try:
            return next_(source, info, **kwargs)
        except BaseException as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise
        finally:
            context.detach(token)
            span.end()
