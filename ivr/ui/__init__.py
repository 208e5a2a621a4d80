"""The web page for compliance staff (``/ui``, docs/design.md 13, 14.28): server-rendered HTML
over the same functions as the HTTP API."""
