"""An emulator of the Loket.nl REST API: a real HTTP server for tests and demos.

It serves ``docs/loket-api-contract.md`` exactly, over plain HTTP on a loopback
address, backed by the sandbox's SQLite store (so ``sandbox seed`` and ``sandbox set``
work on the data it serves). Three path prefixes, kept apart:

- ``/v2/...``: the Loket API (Bearer token, ``Accept`` with the version, envelopes,
  pagination); subject to latency and fault injection; ``/provider/...``, Loket's one
  path outside ``/v2`` (the bulk read of modules), is treated the same;
- ``/oauth/...``: the OAuth server (authorize, token; rotating refresh tokens);
  subject to latency, never to faults;
- ``/_emulator/...``: emulator-only controls standing in for people (switching
  modules in the web UI) and for test harnesses (request log, token expiry); never
  delayed or faulted, never logged.

Modules:

- :mod:`.state`: :class:`~.state.EmulatorConfig` (with the world: ``classic`` or
  ``current``, and capabilities switched off), the request log, the shared state;
- :mod:`.current`: the endpoints only the ``current`` world serves, and OPTIONS;
- :mod:`.tokens`: codes and tokens (rotation, expiry, revocation), no HTTP;
- :mod:`.oauth`: the ``/oauth`` routes;
- :mod:`.faults`: deterministic fault injection and latency (a middleware);
- :mod:`.envelopes`: list and content envelopes, pagination, ``Accept`` and errors;
- :mod:`.app`: the ``/v2`` routes and the assembled application;
- :mod:`.admin`: the ``/_emulator`` routes;
- :mod:`.server`: :func:`~.server.serve` (the CLI) and
  :func:`~.server.running_emulator` (tests).

aiohttp is an optional dependency (``pip install 'mijnloket-gitops[emulator]'``);
this package imports it, so import it only where the emulator is wanted.
"""
