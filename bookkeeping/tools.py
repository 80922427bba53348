"""The registry of bookkeeping tools: everything Booksync knows about each tool, in one place.

Dependency-free (the standard library and Django's lazy translation only), so that the settings module can read the tools'
settings from it before Django is set up. Code outside the connectors, the simulators, the tests
and the migrations never spells a tool key: it iterates `TOOLS` or asks `tool(key)`. Adding a tool
is one entry here, with its connector, simulator and demo module (README, "Adding a bookkeeping
tool"); a test may register one with `register()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CredentialField:
    """A value a user types to connect (tools without OAuth)."""

    name: str
    label: str
    secret: bool = False
    # A yes/no option of the connection (a checkbox) instead of a typed value.
    flag: bool = False


@dataclass(frozen=True)
class DemoCompany:
    """The demo company `make demo` connects to the tool's simulator."""

    slug: str
    name: str
    country: str
    vat_number: str
    city: str


@dataclass(frozen=True)
class Tool:
    """One bookkeeping tool.

    `settings` are the operator settings of the tool (environment variables of the same name)
    with their production defaults; `base_url_setting` is the one of them that holds the API's
    address. `demo_settings` are the values `make demo` uses, `{url}` standing for the address of
    the tool's simulator. `connector`, `simulator` and `demo_connection` are dotted paths, imported
    only when used.
    """

    key: str
    label: str
    countries: tuple[str, ...]
    pushes_edits: bool
    after_sync: str
    connector: str
    simulator: str
    simulator_port: int
    simulator_path: str
    demo_connection: str
    demo_company: DemoCompany
    base_url_setting: str
    settings: Mapping[str, str] = field(default_factory=dict)
    demo_settings: Mapping[str, str] = field(default_factory=dict)
    credential_fields: tuple[CredentialField, ...] = ()
    uses_oauth: bool = False
    # The settings page offers a default cost centre (the tool books cost centres per line).
    cost_centres: bool = False
    # `manage.py run_simulators --<cli_name>-port`.
    cli_name: str = ""

    @property
    def credential_flags(self) -> frozenset[str]:
        """The credential fields that are yes/no options (checkboxes)."""
        return frozenset(f.name for f in self.credential_fields if f.flag)

    def demo_url(self, host: str = "127.0.0.1", port: int | None = None) -> str:
        """The address of the tool's simulator as `make demo` runs it."""
        return f"http://{host}:{port or self.simulator_port}{self.simulator_path}"

    def demo_value(self, setting: str) -> str | None:
        """The value of `setting` in the demo, None when the demo keeps the default."""
        value = self.demo_settings.get(setting)
        return None if value is None else value.replace("{url}", self.demo_url())


TOOLS: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    """Adds (or replaces) a tool in the registry; returns it."""
    TOOLS[tool.key] = tool
    return tool


def unregister(key: str) -> None:
    TOOLS.pop(key, None)


def tool(key: str) -> Tool | None:
    return TOOLS.get(key)


def label_of(key: str) -> str:
    found = TOOLS.get(key)
    return found.label if found else key


def tools_for_country(country: str) -> list[Tool]:
    """The tools a company of `country` may pick, in the registry's order."""
    return [tool for tool in TOOLS.values() if country in tool.countries]


register(
    Tool(
        key="exact_online",
        label="Exact Online",
        countries=("BE", "NL"),
        pushes_edits=False,
        after_sync=_(
            "Invoices edited after they were synced are not pushed again: make the same change in "
            "Exact Online."
        ),
        connector="bookkeeping.connectors.exact_online.ExactOnlineConnector",
        simulator="bookkeeping.simulators.exact_online.ExactOnlineSimulator",
        simulator_port=8701,
        simulator_path="",
        demo_connection="bookkeeping.simulators.exact_online.demo.connection",
        demo_company=DemoCompany(
            "demo-exact", "Tulip Design Studio B.V.", "NL", "NL004495445B01", "Utrecht"
        ),
        base_url_setting="EXACT_ONLINE_BASE_URL",
        # https://start.exactonline.nl/docs/HlpRestAPIResources.aspx
        settings={
            "EXACT_ONLINE_BASE_URL": "https://start.exactonline.nl",
            "EXACT_ONLINE_CLIENT_ID": "",
            "EXACT_ONLINE_CLIENT_SECRET": "",
        },
        demo_settings={
            "EXACT_ONLINE_BASE_URL": "{url}",
            "EXACT_ONLINE_CLIENT_ID": "{demo-client-id}",
            "EXACT_ONLINE_CLIENT_SECRET": "demo-client-secret",
        },
        uses_oauth=True,
        cli_name="exact",
    )
)
register(
    Tool(
        key="octopus",
        label="Octopus",
        countries=("BE",),
        pushes_edits=True,
        after_sync=_(
            "Invoices edited after they were synced are pushed again by the next sync, and the "
            "cost centres of the booking are reset by that sync."
        ),
        connector="bookkeeping.connectors.octopus.OctopusConnector",
        simulator="bookkeeping.simulators.octopus.OctopusSimulator",
        simulator_port=8702,
        simulator_path="/octopus-rest-api/v1",
        demo_connection="bookkeeping.simulators.octopus.demo.connection",
        demo_company=DemoCompany(
            "demo-octopus", "Atelier Brabo BV", "BE", "BE0403170701", "Antwerpen"
        ),
        base_url_setting="OCTOPUS_BASE_URL",
        # https://login.octopus.be/manual/octopus-webservice/api/
        settings={
            "OCTOPUS_BASE_URL": "https://service.inaras.be/octopus-rest-api/v1",
            "OCTOPUS_SOFTWARE_HOUSE_UUID": "",
        },
        demo_settings={
            "OCTOPUS_BASE_URL": "{url}",
            "OCTOPUS_SOFTWARE_HOUSE_UUID": "6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c40",
        },
        credential_fields=(
            CredentialField("user", _("User")),
            CredentialField("password", _("Password"), secret=True),
        ),
        cost_centres=True,
        cli_name="octopus",
    )
)
register(
    Tool(
        key="yuki",
        label="Yuki",
        countries=("BE", "NL"),
        pushes_edits=False,
        after_sync=_(
            "Invoices edited after they were synced are not pushed again: make the same change in "
            "Yuki."
        ),
        connector="bookkeeping.connectors.yuki.YukiConnector",
        simulator="bookkeeping.simulators.yuki.YukiSimulator",
        simulator_port=8703,
        simulator_path="/ws",
        demo_connection="bookkeeping.simulators.yuki.demo.connection",
        demo_company=DemoCompany(
            "demo-yuki", "Kanaal Consultancy B.V.", "NL", "NL123456782B01", "Amsterdam"
        ),
        base_url_setting="YUKI_BASE_URL",
        # https://api.yukiworks.nl/ws/ (Belgium: https://api.yukiworks.be/ws)
        settings={"YUKI_BASE_URL": "https://api.yukiworks.nl/ws"},
        demo_settings={"YUKI_BASE_URL": "{url}"},
        credential_fields=(
            CredentialField("access_key", _("Web-service access key"), secret=True),
            CredentialField(
                "digits_only_reference",
                _(
                    "Send only the digits of the invoice number (for administrations that accept "
                    "numeric invoice numbers only)"
                ),
                flag=True,
            ),
        ),
        cli_name="yuki",
    )
)
