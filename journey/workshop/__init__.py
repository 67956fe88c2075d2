"""The checks behind `journey check`, one module per part of the workshop (docs/workshop/), and the
facilitator's view of a room's checks.

engine: what a check is and the lookups every chapter shares (the attendee's traces, a shape
against the newest one); tracing: chapters 1–4; problems: the planted problems, 5–7; sessions:
chapter 8; production: 9–10; otlp: 11; felt: 12. journey/checkpoints.py lists them in the workshop's order.
room: /zipkin/workshop, every session's checks as a table; snapshot: the one read of the traces it
answers them from.
"""
