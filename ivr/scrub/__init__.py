"""Scrubbing call files: which columns hold numbers, reading the file, the pass itself.

``POST /v1/scrub``, ``ivr scrub`` and ``ivr import`` all use it; none of it knows HTTP.
"""

from ivr.scrub.columns import NumberColumnNotFound
from ivr.scrub.core import ScrubMode, ScrubRequest, ScrubStats, scrub, scrub_file
from ivr.scrub.csvfile import CsvLayout, MalformedCsv, data_records, inspect_csv

__all__ = [
    "CsvLayout",
    "MalformedCsv",
    "NumberColumnNotFound",
    "ScrubMode",
    "ScrubRequest",
    "ScrubStats",
    "data_records",
    "inspect_csv",
    "scrub",
    "scrub_file",
]
