"""What Journey's services and commands share, and nothing else: the leaf every arrow points to.

`settings` (the settings-table machinery), `conventions` (attribute keys, the session-id rule) and
`zipkin_model` (span kinds, where a Zipkin span names its services)
import only the standard library, so `journey check` can use them without loading Flask.
`session`, `tracing` and `zipkin_export` are the tracing set-up the backend and the ratings service
both call (as Jaeger's HotROD shares one `tracing` package between its services).
Nothing here imports `backend`, `collector`, `ratings` or `journey`.
"""
