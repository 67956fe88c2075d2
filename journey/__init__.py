"""Journey's command line: one `journey` command for the collector, the backend and both together."""
