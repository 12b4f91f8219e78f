"""The app on a portal: install and uninstall, event and placement bindings, `b24app check`."""
