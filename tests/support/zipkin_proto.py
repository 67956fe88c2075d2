"""zipkin.proto3 message classes built with Google's protobuf runtime, to encode test bodies.

The collector decodes proto3 with its own wire reader; encoding the test input with the reference
implementation checks that reader against real protobuf bytes.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def _message(file, name, fields):
    message = file.message_type.add(name=name)
    for number, field_name, kind, label, type_name in fields:
        field = message.field.add(name=field_name, number=number, type=kind, label=label)
        if type_name:
            field.type_name = type_name
    return message


def _build():
    file = descriptor_pb2.FileDescriptorProto(
        name="journey_test_zipkin.proto", package="zipkin.proto3", syntax="proto3"
    )
    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    _message(
        file,
        "Endpoint",
        [
            (1, "service_name", F.TYPE_STRING, opt, None),
            (2, "ipv4", F.TYPE_BYTES, opt, None),
            (3, "ipv6", F.TYPE_BYTES, opt, None),
            (4, "port", F.TYPE_INT32, opt, None),
        ],
    )
    _message(file, "Annotation", [(1, "timestamp", F.TYPE_FIXED64, opt, None), (2, "value", F.TYPE_STRING, opt, None)])
    span = _message(
        file,
        "Span",
        [
            (1, "trace_id", F.TYPE_BYTES, opt, None),
            (2, "parent_id", F.TYPE_BYTES, opt, None),
            (3, "id", F.TYPE_BYTES, opt, None),
            (4, "kind", F.TYPE_ENUM, opt, ".zipkin.proto3.Span.Kind"),
            (5, "name", F.TYPE_STRING, opt, None),
            (6, "timestamp", F.TYPE_FIXED64, opt, None),
            (7, "duration", F.TYPE_UINT64, opt, None),
            (8, "local_endpoint", F.TYPE_MESSAGE, opt, ".zipkin.proto3.Endpoint"),
            (9, "remote_endpoint", F.TYPE_MESSAGE, opt, ".zipkin.proto3.Endpoint"),
            (10, "annotations", F.TYPE_MESSAGE, rep, ".zipkin.proto3.Annotation"),
            (11, "tags", F.TYPE_MESSAGE, rep, ".zipkin.proto3.Span.TagsEntry"),
            (12, "debug", F.TYPE_BOOL, opt, None),
            (13, "shared", F.TYPE_BOOL, opt, None),
        ],
    )
    kind = span.enum_type.add(name="Kind")
    for number, name in enumerate(["SPAN_KIND_UNSPECIFIED", "CLIENT", "SERVER", "PRODUCER", "CONSUMER"]):
        kind.value.add(name=name, number=number)
    entry = span.nested_type.add(name="TagsEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=opt)
    entry.field.add(name="value", number=2, type=F.TYPE_STRING, label=opt)
    _message(file, "ListOfSpans", [(1, "spans", F.TYPE_MESSAGE, rep, ".zipkin.proto3.Span")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"zipkin.proto3.{name}"))
        for name in ("ListOfSpans", "Span")
    }


MESSAGES = _build()
ListOfSpans = MESSAGES["ListOfSpans"]
