"""The app's pages inside Bitrix24 (dashboard, task tab, settings), with their templates/ and
static/ files; views.py is their blueprint."""
