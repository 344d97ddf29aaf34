"""The shared core of Auskunft: settings, records, German text analysis, permissions and the index.

Both `ingest/` (which writes the index) and `bot/` (which reads it) import from here; this package imports
neither of them.
"""
