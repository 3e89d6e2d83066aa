"""Benchmarks: our server and synthesis side by side with workspace-mcp 2.2.1 and floors.

Run with ``python -m benchmarks.run`` (``--quick`` for the smoke mode used by the test suite).
"""
