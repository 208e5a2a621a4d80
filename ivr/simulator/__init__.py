"""A simulated Asterisk 22: the ARI wire protocol with scripted callers and a shared clock."""

from ivr.simulator.script import CallScript, Step
from ivr.simulator.server import RecordedRequest, Simulator
from ivr.simulator.wire import AppNotConnected

__all__ = ["AppNotConnected", "CallScript", "RecordedRequest", "Simulator", "Step"]
