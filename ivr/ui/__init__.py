"""The web page for compliance staff (``/ui``, DESIGN 13, 14.28): server-rendered HTML
over the same functions as the HTTP API."""
