"""Exports for the rest of the feed ecosystem: digestbot's release items as an Atom
feed or a JSON Feed 1.1 (``items``), and the feed list in and out as OPML (``opml``);
``files`` writes any of them without ever leaving a half-written file."""
