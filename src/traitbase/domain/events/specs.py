"""The events face's endpoints as data (SPEC section 4, seed 003): one spec per push.

Each spec says where the array lives, which fields exist, their types and whether they are
required, which event column a field fills (others go into the event's JSON properties),
and the noun of the success message. Validation, decoding and storage are driven by these
specs; adding an endpoint is adding an entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # a key of domain.events.FIELD_TYPES
    required: bool = False
    column: str | None = None  # event (or catalogue) column it fills; None: into properties
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # accepted spellings -> stored value
    attribute: bool = False  # logins: also written to the user's attributes


@dataclass(frozen=True)
class EndpointSpec:
    path: str
    array_key: str
    noun: str
    kind: str
    fields: tuple[FieldSpec, ...]
    target: str = "events"  # a key of domain.event_store.TARGETS
    event_name: str | None = None  # fixed event name; otherwise taken from name_field
    name_field: str | None = None
    levels: str | None = None  # a key of domain.events.levels.LEVEL_POLICIES
    # A field naming the delivery (PlayFab EventId): a repeat inside the idempotency window is dropped.
    dedupe_on: str | None = None

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


TIMESTAMP = FieldSpec("timestamp", "timestamp", column="event_time")
USER_ID = FieldSpec("user_id", "string", required=True, column="user_id")

SPECS: tuple[EndpointSpec, ...] = (
    EndpointSpec(
        path="/v1/actions",
        array_key="actions",
        noun="actions",
        kind="action",
        name_field="action_name",
        fields=(
            TIMESTAMP,
            USER_ID,
            FieldSpec("action_id", "string", required=True, column="event_id"),
            FieldSpec("action_name", "string", required=True, column="name"),
            FieldSpec("action_params", "params"),
        ),
    ),
    EndpointSpec(
        path="/v1/logins",
        array_key="users",
        noun="users",
        kind="login",
        event_name="login",
        levels="raise",
        fields=(
            TIMESTAMP,
            USER_ID,
            FieldSpec("clan_id", "string", attribute=True),
            FieldSpec("level", "int", column="level", minimum=0, attribute=True),
            FieldSpec("device", "string", column="device", attribute=True),
            FieldSpec("country", "country", column="country", attribute=True),
            FieldSpec("platform", "string", column="platform", attribute=True),
            FieldSpec("language", "language", column="language", attribute=True),
            FieldSpec("register_date", "date", attribute=True),
            FieldSpec("last_login_timestamp", "timestamp", attribute=True),
        ),
    ),
    EndpointSpec(
        path="/v1/purchases",
        array_key="purchases",
        noun="purchases",
        kind="purchase",
        event_name="purchase",
        fields=(
            TIMESTAMP,
            USER_ID,
            FieldSpec("item_id", "string", required=True, column="item_id"),
            FieldSpec("count", "int", required=True, column="quantity", minimum=1),
            FieldSpec("price", "float", required=True, column="amount", minimum=0),
            FieldSpec("platform", "string", column="platform"),
        ),
    ),
    EndpointSpec(
        path="/v1/virtual-purchases",
        array_key="virtual_purchases",
        noun="virtual purchases",
        kind="virtual_purchase",
        event_name="virtual_purchase",
        fields=(
            TIMESTAMP,
            USER_ID,
            FieldSpec("item_id", "string", required=True, column="item_id"),
            FieldSpec("count", "int", required=True, column="quantity", minimum=1),
            FieldSpec("virtual_price", "float", required=True, column="amount", minimum=0),
            FieldSpec("currency", "string", required=True, column="currency"),
        ),
    ),
    EndpointSpec(
        path="/v1/level-ups",
        array_key="level_ups",
        noun="level-ups",
        kind="level_up",
        event_name="level_up",
        levels="check",
        fields=(TIMESTAMP, USER_ID, FieldSpec("level", "int", required=True, column="level", minimum=0)),
    ),
    EndpointSpec(
        path="/v1/items",
        array_key="items",
        noun="items",
        kind="item",
        target="items",
        fields=(
            FieldSpec("item_id", "string", required=True, column="item_id"),
            FieldSpec("price", "float", required=True, column="price", minimum=0),
            FieldSpec("currency", "string", required=True, column="currency"),
            FieldSpec("name", "string", required=True, column="name"),
            FieldSpec("type", "string", column="type"),
        ),
    ),
    EndpointSpec(
        path="/v1/social-dynamics",
        array_key="social_dynamics",
        noun="social dynamics",
        kind="social",
        event_name="social_dynamics",
        fields=(
            TIMESTAMP,
            USER_ID,
            FieldSpec("target_user_id", "string", required=True, column="target_user_id"),
            # The vendor's own document spells it "unllinked"; clients copied from it still work.
            FieldSpec(
                "connection",
                "enum",
                required=True,
                choices=("linked", "unlinked"),
                aliases=(("unllinked", "unlinked"),),
            ),
            FieldSpec("interaction", "enum", required=True, choices=("friend", "party")),
        ),
    ),
)

BY_PATH: dict[str, EndpointSpec] = {s.path: s for s in SPECS}
