"""The one error a bad configuration raises."""


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the key."""
