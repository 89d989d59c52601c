"""Live state stays out of public repositories.

The workflows that talk to Loket.nl publish what they read: plan comments, plan and
journal artifacts, the drift issue. That is live state: logins and the rights they
hold, personal data. A configuration repository must be private; in a public one the
workflows refuse before anything is read (:func:`require_private`).
"""

from __future__ import annotations

from mijnloket_gitops.errors import RefusedError
from mijnloket_gitops.gitops.github import GitHub


class PublicRepositoryError(RefusedError):
    """The configuration repository is public (or its visibility cannot be told)."""

    def __init__(self, repository: str, visibility: str) -> None:
        super().__init__(
            f"{repository} is {visibility}: plan comments, artifacts, journals and the drift"
            " issue would publish live state from Loket.nl (logins and their rights,"
            " personal data), so nothing was read. Make the repository private"
            " (Settings → General → Danger Zone → Change visibility)"
        )


def require_private(client: GitHub) -> None:
    """Refuse unless GitHub says the repository is private."""
    repository = client.env.repository
    answer = client.call("GET", f"/repos/{repository}")
    private = answer.get("private") if isinstance(answer, dict) else None
    if private is not True:
        raise PublicRepositoryError(
            repository, "public" if private is False else "of unknown visibility"
        )
