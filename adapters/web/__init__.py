"""The web archive: server-rendered pages over the same database (``digestbot web``),
and the same pages as static files (``digestbot site``)."""
