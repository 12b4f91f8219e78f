"""The REST methods the sandbox serves, one module per family (registry.py composes them)."""
