"""The ``loket`` provider: Loket.nl's REST API over HTTPS, with OAuth 2.0.

Layout, from the wire up:

- :mod:`.assumptions`: every undocumented item shape (A1-A17 of
  ``docs/loket-api-contract.md``), each with its evidence; the only place that parses
  API items.
- :mod:`.budget`: the client-side request budget (a token bucket shared by threads).
- :mod:`.retry`: which failures are retried, how long to wait, when to give up.
- :mod:`.secrets`: scrubbing known secret values from error excerpts.
- :mod:`.http`: HTTP over an httpx transport: headers, bearer auth, envelopes,
  pagination, errors; :mod:`.paging`: each page checked.
- :mod:`.store`: the refresh-token store (a 0600 JSON file, replaced atomically).
- :mod:`.oauth`: the token endpoint, rotation under a file lock, the code exchange.
- :mod:`.session`: configuration and environment turned into the objects above.
- :mod:`.paths`: the API paths.
- :mod:`.capabilities` and :mod:`.discovery`: what this Loket.nl offers (configured,
  proven by the Loket profile of ``loket check`` (:mod:`.profile`), or for reads found
  out with GET), cached; ``loket probe`` shows it.
- :mod:`.fanout` and :mod:`.reading`: reading many employers, one request per job;
  :mod:`.bulk`: the lists that replace per-employer reads of a large plan;
  :mod:`.provider_users`: ak-gebruikers and their rights where offered.
- :mod:`.lookup`, :mod:`.perform` and :mod:`.writing`: ids for writes; which steps
  the API may do; module switching and rights PATCHes, each read back, with a refusal
  turned into a manual step.
- :mod:`.provider`: :class:`~.provider.LoketProvider`, the provider built on all that.

Tokens and the client secret never leave :mod:`.oauth` and :mod:`.store` except in
request headers and form bodies; error excerpts pass through :class:`.secrets.Secrets`.
"""
