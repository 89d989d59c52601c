"""GitOps integration: what a configuration repository's GitHub workflows run.

- :mod:`.github`: a small GitHub REST client (httpx, injectable transport).
- :mod:`.publish`: the one plan comment per pull request and the one drift issue,
  found by their hidden markers and updated in place.
- :mod:`.reviewed`: which pull-request run holds the plan that was reviewed for a
  commit on main.
- :mod:`.rotation`: carrying the rotating Loket.nl refresh token from run to run.
- :mod:`.action`: the composite action's command runner (``action.yml``).
- :mod:`.scaffold`: ``init``, from the templates in ``templates/``.

Errors derive from :class:`mijnloket_gitops.errors.MijnloketError` (exit 1)::

    MijnloketError
    └── GitHubError            the GitHub API refused or failed (message has no token)
        ├── NoReviewedPlanError  exit 3: no reviewed plan for the commit, nothing applied
        └── TokenPersistError    the rotated refresh token could not be saved
"""
