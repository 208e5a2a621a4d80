"""Where the prompts are: ``IVR_PROMPTS_DIR``, else ``./prompts``, else those the package carries.

The repository keeps them in ``prompts/`` at its top; the package reaches them through
``ivr/prompts/shipped`` (a link to that folder, copied whole into a wheel), so ``ivr demo``
works from any folder, from a checkout, an editable install or a wheel.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_PROMPTS = Path("prompts")
ENVIRONMENT = "IVR_PROMPTS_DIR"


def shipped_prompts_dir() -> Path:
    """The prompts the installed package carries."""
    return (Path(__file__).parent / "shipped").resolve()


def default_prompts_dir() -> Path:
    """``./prompts`` when there is one (a checkout), else the package's own."""
    return LOCAL_PROMPTS if LOCAL_PROMPTS.is_dir() else shipped_prompts_dir()


def prompts_dir_for(explicit: Path | None) -> Path:
    """For commands with a ``--prompts`` option: it, else ``IVR_PROMPTS_DIR``, else the default."""
    if explicit is not None:
        return explicit
    named = os.environ.get(ENVIRONMENT)
    return Path(named) if named else default_prompts_dir()
