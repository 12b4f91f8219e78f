"""A local stand-in Bitrix24 cloud portal for development, tests and the demo; it imports
nothing of the app."""
