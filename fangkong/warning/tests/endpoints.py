"""The jurisdiction-matrix entries of the warning app, from one module per part."""

from fangkong.warning.tests import endpoints_imports, endpoints_screen, endpoints_signals

CASES = [*endpoints_signals.CASES, *endpoints_screen.CASES, *endpoints_imports.CASES]
