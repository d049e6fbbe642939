"""digestbot's composition root: the CLI, ``digestbot run``'s runtime and the platform wiring.

The one package that knows both the core (``bot``) and the platform
adapters (``adapters``).  Imports run one way, ``app -> adapters -> bot``:
nothing under ``bot/`` imports ``adapters`` or ``app``, and adapters never
import ``app`` (``tests/test_layers.py`` checks every module).
"""
