"""The `b24app` command: one module per command family, composed in b24app.cli.main."""
