"""The embedded sandbox: a SQLite database standing in for Loket.nl.

- :mod:`.db`: the schema, connections and the schema version check;
- :mod:`.store`: :class:`Store`, reads returning provider values, and one transaction
  per write (:class:`~.writer.Writer`);
- :mod:`.seed`: a realistic, deterministic live state for a configuration repository;
- :mod:`.show`: ``sandbox show`` rendering.

The same store backs the Loket.nl emulator, so its shape follows Loket's resources:
employers with UUIDs and employer numbers, modules with numeric ids, users and
per-employer rights.
"""
