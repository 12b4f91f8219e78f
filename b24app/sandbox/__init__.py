"""A local stand-in Bitrix24 cloud portal for development and tests."""

from b24app.sandbox.cli import run_sandbox
from b24app.sandbox.portal import SandboxPortal

__all__ = ["SandboxPortal", "run_sandbox"]
