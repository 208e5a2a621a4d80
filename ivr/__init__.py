"""ivr: the opt-out IVR for Dutch telemarketing on Asterisk ARI."""

__version__ = "0.1.0"
