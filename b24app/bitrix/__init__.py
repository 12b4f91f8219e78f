"""Bitrix24 REST and its formats: the only code with raw Bitrix names (and the event parser)."""
