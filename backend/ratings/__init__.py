"""The ratings service: community ratings of talks, a third service the backend calls over HTTP."""
