"""Sign-in through an identity provider, end to end: a real OIDC provider on loopback
(``oidc-provider-mock``), Streamlit configured for ``st.login`` by a secrets file as Streamlit
documents, and Chromium going through the provider's form. Each person gets the role the store
or the token gives them, and the navigation shows exactly the pages of that role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n import t
from loaders import audit, store, users
from loaders.access import Role
from tests.browser import chromium, free_port, needs_chromium, settle, streamlit_server
from tests.builders import as_user

oidc_mock = pytest.importorskip("oidc_provider_mock", reason="oidc-provider-mock is not installed")
pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]

PEOPLE = [
    # the store names Anna's role (an account without a password, matched by e-mail)
    oidc_mock.User(sub="anna", claims={"email": "anna@gov.kz", "name": "Anna Curator"}),
    # Bolat's role comes from a claim of the token
    oidc_mock.User(
        sub="bolat", claims={"email": "bolat@gov.kz", "name": "Bolat Manager", "pmo_roles": ["project_manager"]}
    ),
    # Sara has neither: the default role
    oidc_mock.User(sub="sara", claims={"email": "sara@gov.kz", "name": "Sara Reader"}),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, demo_store: Path) -> Iterator[tuple[str, Path]]:
    here = tmp_path_factory.mktemp("oidc")
    db = here / "s.duckdb"
    shutil.copyfile(demo_store, db)
    con = store.connect(db)
    users.add(con, as_user("admin"), "anna@gov.kz", name="Anna Curator", role=Role.CURATOR, password=None)
    con.close()
    port = free_port()
    with oidc_mock.run_server_in_thread(user_claims=PEOPLE) as provider:
        secrets = here / "secrets.toml"
        secrets.write_text(
            f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "a-test-secret-that-is-long-enough-0123456789"
client_id = "pmo-dashboard"
client_secret = "not-a-real-secret"
server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"

[pmo_auth]
roles_claim = "pmo_roles"
default_role = "viewer"
""",
            encoding="utf-8",
        )
        with streamlit_server(db, here, env={"PMO_AUTH": ""}, args=("--secrets.files", str(secrets)), port=port) as url:
            yield url, db


def sign_in_as(pg: Any, url: str, who: str) -> None:
    pg.goto(f"{url}/?lang=en&as_of=2026-09-30")
    pg.get_by_role("button", name=t("auth.sign_in_oidc", "en")).click()
    pg.get_by_role("button", name=who, exact=True).click()  # the provider's form: a predefined user
    pg.locator("h1:visible", has_text=t("page.overview", "kk")).wait_for()  # back at the app's root
    pg.goto(f"{url}/?lang=en&as_of=2026-09-30")  # the identity cookie keeps the session signed in
    pg.locator("h1:visible", has_text=t("page.overview", "en")).wait_for()
    settle(pg)


def navigation(pg: Any) -> set[str]:
    links = pg.locator("[data-testid='stSidebarNav'] a")
    return {links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())}  # after the icon


@pytest.mark.parametrize(
    ("who", "name", "role", "has", "lacks"),
    [
        ("anna", "Anna Curator", Role.CURATOR, {"page.audit"}, {"page.upload"}),
        ("bolat", "Bolat Manager", Role.PROJECT_MANAGER, {"page.upload"}, {"page.audit"}),
        ("sara", "Sara Reader", Role.VIEWER, set(), {"page.upload", "page.audit"}),
    ],
)
def test_signing_in_through_the_provider_gives_each_their_role(
    app: tuple[str, Path], who: str, name: str, role: Role, has: set[str], lacks: set[str]
) -> None:
    url, db = app
    with chromium(locale="en-US") as pg:
        pg.goto(f"{url}/?lang=en")
        pg.get_by_role("button", name=t("auth.sign_in_oidc", "en")).wait_for()
        settle(pg)
        assert pg.locator("[data-testid='stSidebarNav']").count() == 0  # nothing before sign-in
        sign_in_as(pg, url, who)
        sidebar = pg.locator("[data-testid='stSidebar']").inner_text()
        assert f"{name} · {t(f'role.{role.value}', 'en')}" in sidebar
        pages = navigation(pg)
        assert {t(k, "en") for k in has} <= pages
        assert not {t(k, "en") for k in lacks} & pages
        pg.goto(f"{url}/upload?lang=en")  # a link to a page the role does not open shows the default page
        pg.locator("h1").first.wait_for()
        settle(pg)
        if "page.upload" in lacks:
            assert pg.locator("h1").first.inner_text() != t("page.upload", "en")
    con = store.connect(db)
    signed = audit.entries(con, as_user("auditor"), actions=("sign_in",))
    con.close()
    assert f"{name} ({who}@gov.kz)" in set(signed["actor"])
    assert set(signed.loc[signed["actor"] == f"{name} ({who}@gov.kz)", "source"]) == {"oidc"}
