"""One module per page of ``/ui``."""
