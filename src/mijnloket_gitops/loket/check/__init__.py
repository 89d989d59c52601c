"""``mijnloket-gitops loket check``: prove the provider's assumptions about Loket.nl on
Loket's acceptance environment before production.

- :mod:`.shapes`: answers scrubbed to keys, JSON types and id formats; the capture;
- :mod:`.findings`: verdicts (confirmed, refuted, not testable here), round trips, text;
- :mod:`.reader`: the requests, each answer captured, list envelopes and paging checked;
- :mod:`.reads`, :mod:`.sets` and :mod:`.newer`: every read the provider uses, held
  against :mod:`..assumptions`' parsers; :mod:`.hints`: the OPTIONS hint and what no
  answer can test;
- :mod:`.guard`: production refused, Ctrl-C deferred until the start is restored;
- :mod:`.trips`, :mod:`.rights`, :mod:`.modules`: the reversible round trips of
  ``--write``, journaled like apply;
- :mod:`.run`: one check, and the profile (:mod:`..profile`) it proves.
"""
