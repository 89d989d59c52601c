"""GitOps integration: what a configuration repository's GitHub workflows run.

- :mod:`.github`: a small GitHub REST client (httpx, injectable transport).
- :mod:`.publish`: the one plan comment per pull request and the one drift issue,
  found by their hidden markers and their author and updated in place.
- :mod:`.pr_data`: a pull request's files as data for the privileged plan job
  (connection settings only from the base branch, no symlinks).
- :mod:`.pr_settings`: which settings a pull request's plan takes from it (catalog,
  flagged) and which from the base branch (guards), and the comment's notice.
- :mod:`.provenance`: ``run.json``, which run made a plan for which pull request.
- :mod:`.reviewed`: which plan run holds the plan that was reviewed for a commit on
  main, the pull request of a ``workflow_run``, and the tip check before apply.
- :mod:`.rotation`: carrying the rotating Loket.nl refresh token from run to run.
- :mod:`.action`: the composite action's command runner (``action.yml``).
- :mod:`.planted`: guards against files a checkout planted where the action writes.
- :mod:`.pins`: the commits the scaffolded workflows pin third-party actions to.
- :mod:`.scaffold`: ``init``, from the templates in ``templates/``.

Errors derive from :class:`mijnloket_gitops.errors.MijnloketError` (exit 1)::

    MijnloketError
    ├── GitHubError              the GitHub API refused or failed (message has no token)
    │   ├── NoReviewedPlanError  exit 3: no reviewed plan for the commit, nothing applied
    │   │   └── NotTheTipError   exit 3: a newer commit reached main, nothing applied
    │   └── TokenPersistError    the rotated refresh token could not be saved
    ├── PlantedLinkError         the plan path goes through a symlink in the checkout
    └── RefusedError             exit 3
        ├── PullRequestRefused   the pull request changes a connection setting: no plan
        └── ProvenanceError      the plan artifact was made for another PR/commit/run
"""
