"""Organisers and what each may act on: the admin on everything, an organiser on the campaigns
they created or were given (pure rules; signup/access.py applies them to requests)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mobilise_runtime.errors import Forbidden

Role = Literal["admin", "organiser"]
ROLES: tuple[Role, ...] = ("admin", "organiser")


@dataclass(frozen=True)
class Organiser:
    id: str
    name: str
    email: str
    role: Role
    # The campaigns (ids) they may act on; an admin may act on every campaign whatever it says.
    campaign_ids: tuple[str, ...] = ()
    created_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_on(self, campaign_id: str) -> bool:
        return self.is_admin or campaign_id in self.campaign_ids

    def may_act_on_all(self, campaign_ids: Iterable[str]) -> bool:
        return all(self.may_act_on(c) for c in campaign_ids)

    def may_act_on_any(self, campaign_ids: Iterable[str]) -> bool:
        return self.is_admin or any(self.may_act_on(c) for c in campaign_ids)


# Partners work for campaigns of several organisers: each organiser sees and changes their part.


def partner_campaigns_after(
    organiser: Organiser, current: Iterable[str], asked: Iterable[str]
) -> tuple[str, ...]:
    """The campaigns a partner works for once `organiser` replaced its list with `asked`: they
    may name only campaigns of theirs, and the campaigns of others (which they do not see) stay."""
    asked = tuple(asked)
    if not organiser.may_act_on_all(asked):
        raise Forbidden("a partner may be given only campaigns of yours", field="campaigns")
    kept = [c for c in current if not organiser.may_act_on(c)]
    return tuple(dict.fromkeys([*kept, *asked]))


def check_partner_details_change(organiser: Organiser, campaign_ids: Iterable[str]) -> None:
    """A partner's name and origins serve every campaign it works for: only someone who may act
    on all of them changes those."""
    if not organiser.may_act_on_all(campaign_ids):
        raise Forbidden(
            "this partner also works for other organisers' campaigns: only an admin may change "
            "its name or origins"
        )


# The MOBILISE_ADMIN_TOKEN's holder: configuration, not a stored organiser (rotate the token by
# changing the variable; the API cannot revoke it).
ADMIN = Organiser(id="admin", name="admin", email="", role="admin")
