"""The endpoints, one module per concern; each exports ``ROUTES``."""
