"""(placeholder: filled in by its owner)"""

from typing import Any

CASES: list[Any] = []
