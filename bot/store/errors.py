"""The database drivers' own error classes, for the CLI's last-resort one-line message."""

from __future__ import annotations

import sqlite3

#: What a failure outside the store's error wrapping can raise from a driver.
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)
