"""HTTP endpoints other than the pages: event intake, install, the read API, health and metrics."""
