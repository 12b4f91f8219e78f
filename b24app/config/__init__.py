"""Configuration: process settings from the environment, the regulation from its TOML file."""
