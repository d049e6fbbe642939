"""Loopback stand-ins for the chat platforms APIs, used by tests and benches."""
