"""End-to-end tests: make run itself, as a subprocess.

A package, so that its conftest does not shadow tests/conftest.py (imported as `conftest`).
"""
