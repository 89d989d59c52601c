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

Worlds (:attr:`~.state.EmulatorConfig.world`, ``emulator serve --world``):

- ``classic``: the older published description: modules read-only, the GET of a
  werkgevergebruiker's rights answers ``405``, no provider users, no bulk reads, no
  OPTIONS; integer ids of rights and modules; the authorization-set list nests each
  set's ``authorizations``.
- ``current``: everything the newer listing shows, in the shapes our client assumed
  (``docs/loket-api-contract.md`` A1-A13); OPTIONS answers ``204`` with ``Allow``.
- ``artefact``: the newer listing's endpoints in the shapes of the public artefacts
  (n8n node, Mockoon environment; ``../shared/loket-api.md``), not of our client:

  - ids of rights and modules are UUID strings (lower case; accepted in any case);
    a number sent as such an id is ``400`` "unknown ... id"; employer and user ids
    are UUIDs as in every world;
  - ``userName`` is whatever the login is; the test fixtures seed logins ``User1``,
    ``User2``, ... (n8n's example is ``User42``), not e-mail addresses;
  - single resources (``GET /providers/employers/{id}``,
    ``GET /providers/authorizationsets/{id}``, a ``200`` answer of the rights PATCH)
    are ``{"content": {...}, "version": {"obsoleteDate": "2027-06-30",
    "resourceVersion": "2018-01-01"}}``; lists are the usual envelope;
  - ``OPTIONS`` on any path answers ``200`` with Mockoon's CORS headers
    (``Access-Control-Allow-Methods`` lists every method, whatever the path offers),
    no ``Allow``, no body and no token needed; every answer carries the CORS headers;
  - ``GET /providers/{providerId}/authorizationsets`` lists ``{"id",
    "description"}`` per set, WITHOUT ``authorizations``;
    ``GET /providers/authorizationsets/{authorizationSetId}`` answers ``{"content":
    {"id", "description", "authorizations": [{"id", "description"}]}, "version"}``
    (one set holds every right, the other none; an unknown set is ``404``);
  - ``GET /providers/employers/{employerId}/users/{userId}/authorizations`` answers
    ``501`` ``{"message": "reading authorizations is not yet available"}``;
  - ``PATCH`` of those authorizations: body ``{"authorizations": [{"id": <UUID>,
    "description"?, <flag>: bool}], "authorizationSet"?}``; only the configured flag
    (:attr:`~.state.EmulatorConfig.rights_flag`: ``availableForEmployerUser``, the
    default, or ``isEnabled``) takes effect; the other flag and any other unknown
    item field are ignored silently, an item without the configured flag changes
    nothing, and the answer is still ``204`` (or ``200`` with ``patch_status=200``:
    ``{"content": {"authorizations": [{"id", "description", <flag>: bool}, ...]},
    "version"}`` listing every right with the configured flag only). Unknown ids,
    a description that is not the id's, and a malformed body stay ``400``;
  - the module PATCH (``{"modules": [{"id": <UUID>, "isEnabled": bool}]}``),
    ``GET /providers/{providerId}/modules``, the bulk reads and the provider users
    with their rights' GET and PATCH (``isEnabled``, ``employerId`` per item) are
    served as in ``current``, with UUID ids of rights and modules.

Modules:

- :mod:`.state`: :class:`~.state.EmulatorConfig` (the world, the ``artefact`` world's
  rights flag, capabilities switched off), the request log, the shared state;
- :mod:`.ids`: ids of rights and modules as a world writes them (numbers or UUIDs);
- :mod:`.current`: the endpoints the ``current`` (and ``artefact``) world serves
  beyond ``classic``, and OPTIONS with ``Allow``;
- :mod:`.artefact`: what only the ``artefact`` world does (CORS OPTIONS, one flag);
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
