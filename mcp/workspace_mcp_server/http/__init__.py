"""ASGI middleware around the whole app: host checking, request ids and request logs."""
