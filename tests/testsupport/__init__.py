"""Helpers shared by tests in several folders: analytic emissivity sources, test skies and event lists.

The folder is on the test path (``pythonpath`` in ``pyproject.toml``): ``from testsupport.sources import
Ball``.
"""
