"""GraphQL spans that follow the OpenTelemetry GraphQL semantic conventions (strawberry, sync).

Strawberry's stock OpenTelemetryExtension names every operation "GraphQL Query" (mutations too),
records the query text with its literal values and every argument value, makes the operation a
second SERVER span, and hangs every resolver directly off the operation. This one names the span
`{graphql.operation.type} {graphql.operation.name}`, strips literals from `graphql.document`,
records arguments only when asked to, and nests each resolver span under its parent field's span.
"""

from __future__ import annotations

from typing import Any, Callable, Generator

from graphql import (
    BooleanValueNode, DocumentNode, FloatValueNode, GraphQLResolveInfo, IntValueNode, OperationDefinitionNode,
    StringValueNode, Visitor, print_ast, visit,
)
from opentelemetry import context, trace
from opentelemetry.trace import Span, Status, StatusCode
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing.utils import should_skip_tracing

from . import conventions as attrs

MAX_DOCUMENT_LENGTH = 4096
MAX_RECORDED_ERRORS = 5


class _StripLiterals(Visitor):
    """Replace every literal value in a document by "*" so that no user input reaches the span."""

    def _star(self, *_args: Any) -> StringValueNode:
        return StringValueNode(value="*")

    enter_int_value = enter_float_value = enter_string_value = enter_boolean_value = _star


def sanitized_document(document: DocumentNode) -> str:
    """The document as text with literal values replaced, capped at MAX_DOCUMENT_LENGTH characters."""
    text = print_ast(visit(document, _StripLiterals()))
    return text if len(text) <= MAX_DOCUMENT_LENGTH else text[:MAX_DOCUMENT_LENGTH] + "…"


def _operation(document: DocumentNode | None, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((op for op in operations if op.name and op.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


class GraphQLTracing(SchemaExtension):
    """One operation span per request and a span per resolver that does work."""

    def __init__(
        self,
        *,
        execution_context: Any = None,
        tracer_provider: trace.TracerProvider | None = None,
        record_document: bool = True,
        record_arguments: bool = False,
    ) -> None:
        self._tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._record_document = record_document
        self._record_arguments = record_arguments
        self._operation_span: Span | None = None
        self._field_contexts: dict[tuple, context.Context] = {}
        if execution_context is not None:
            self.execution_context = execution_context

    def on_operation(self) -> Generator[None, None, None]:
        # named for real once the document is parsed; this name stays only if it cannot be
        span = self._operation_span = self._tracer.start_span("GraphQL Operation")
        token = context.attach(trace.set_span_in_context(span))
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
        if self._record_document and ctx.graphql_document is not None:
            span.set_attribute(attrs.GRAPHQL_DOCUMENT, sanitized_document(ctx.graphql_document))
        errors = list(ctx.pre_execution_errors or [])
        if ctx.result is not None and ctx.result.errors:
            errors += [e for e in ctx.result.errors if e not in errors]
        if errors:
            for error in errors[:MAX_RECORDED_ERRORS]:
                span.add_event("exception", {
                    attrs.EXCEPTION_TYPE: type(error.original_error or error).__name__,
                    attrs.EXCEPTION_MESSAGE: error.message,
                })
            span.set_status(Status(StatusCode.ERROR, errors[0].message))

    def resolve(self, _next: Callable, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        if should_skip_tracing(_next, info):
            return _next(root, info, *args, **kwargs)
        path = tuple(info.path.as_list())
        parent = self._parent_context(path)
        name = f"resolve {info.parent_type.name}.{info.field_name}"
        with self._tracer.start_as_current_span(name, context=parent) as span:
            span.set_attribute(attrs.GRAPHQL_FIELD_NAME, info.field_name)
            span.set_attribute(attrs.GRAPHQL_FIELD_PATH, ".".join(map(str, path)))
            span.set_attribute(attrs.GRAPHQL_FIELD_TYPE, str(info.return_type))
            span.set_attribute(attrs.GRAPHQL_PARENT_TYPE, info.parent_type.name)
            if self._record_arguments:
                for key, value in kwargs.items():
                    span.set_attribute(attrs.GRAPHQL_ARGUMENT_PREFIX + key, str(value)[:256])
            self._field_contexts[path] = context.get_current()
            return _next(root, info, *args, **kwargs)

    def _parent_context(self, path: tuple) -> context.Context:
        """The context of the nearest enclosing field that has a span, else the operation's."""
        for end in range(len(path) - 1, 0, -1):
            found = self._field_contexts.get(path[:end])
            if found is not None:
                return found
        return trace.set_span_in_context(self._operation_span) if self._operation_span else context.get_current()
