"""Bitrix24 event handlers: gather facts, call rules, return effects (composed in registry.py)."""
