"""flow's extension of moto 5.2.5.

`apply()` patches moto in this process before the server starts; `flow_moto.py` calls it.
Each patch lives in the module of the service it fixes and says why it exists. Keep this
small: it only covers what flow's stack needs and moto 5.2.5 gets wrong or lacks.
"""

import moto

EXPECTED_MOTO_VERSION = "5.2.5"

_applied = False


def apply() -> None:
    """Apply every patch once. Refuses another moto version: the patches read its internals."""
    global _applied
    if _applied:
        return
    if moto.__version__ != EXPECTED_MOTO_VERSION:
        raise RuntimeError(
            f"flow_moto_ext targets moto {EXPECTED_MOTO_VERSION}, found {moto.__version__}; "
            "re-check the patches before changing the pin in emulator/requirements.txt"
        )
    from . import appmesh

    appmesh.apply()
    _applied = True
