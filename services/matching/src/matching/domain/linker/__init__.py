"""Chinese identity resolution: who a warning is about, with a score and the reasons (pure).

`LinkIndex` holds the registry with blocking keys; `resolve` scores the candidates the keys
bring up and decides auto / review / unmatched. See `scoring.py` for the points table.
"""

from matching.domain.linker.config import LinkConfig
from matching.domain.linker.index import LinkIndex

__all__ = ["LinkConfig", "LinkIndex"]
