"""The fixed cast of tests: a small subdistrict with two communities, and a user for every role.

World:
  bantian (subdistrict)
    wuhe (community) ── dgk (resident_group), xincun (independent_area), estate (garden_estate)
    xiangjiaotang (community) ── plaza (garden_estate)
Every area has a branch and a station; coverage is complete.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from gongzhi.core.roles import Role
from tests.factories import make_org, make_place, make_point, make_user


def pytest_configure(config):
    """Tests read static files from the apps (no collectstatic) and run tasks at once, in-process."""
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # Hashing passwords properly is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Fresh keys for every run: nothing a test writes is readable with another run's keys.
    from cryptography.fernet import Fernet

    settings.PII_KEYS = [Fernet.generate_key().decode()]
    settings.PII_INDEX_KEY = Fernet.generate_key().decode()


# Playwright's sync API runs an event loop in the test thread; the ORM must still be usable from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class World:
    bantian: object
    wuhe: object
    xjt: object
    dgk: object
    xincun: object
    estate: object
    plaza: object
    working_committee: object
    wuhe_committee: object
    xjt_committee: object
    dgk_branch: object
    xincun_branch: object
    estate_branch: object
    plaza_branch: object


@pytest.fixture
def world(db) -> World:
    bantian = make_place("subdistrict", name="坂田街道", code="bantian")
    wuhe = make_place("community", bantian, name="五和社区", code="wuhe")
    xjt = make_place("community", bantian, name="象角塘社区", code="xiangjiaotang")
    dgk = make_place("resident_group", wuhe, name="大光勘居民小组", code="dgk")
    xincun = make_place("independent_area", wuhe, name="五和新村", code="wuhe-xincun")
    estate = make_place("garden_estate", wuhe, name="佳兆业花园", code="jzy")
    plaza = make_place("garden_estate", xjt, name="城市广场", code="city-plaza")
    make_point(wuhe, [dgk, xincun, estate], kind="community_centre", code="wuhe-centre")
    make_point(xjt, [plaza], kind="community_centre", code="xjt-centre")
    wc = make_org("working_committee", bantian, name="坂田街道党工委")
    wuhe_c = make_org("community_committee", wuhe, wc, name="五和社区党委")
    xjt_c = make_org("community_committee", xjt, wc, name="象角塘社区党委")
    return World(
        bantian=bantian,
        wuhe=wuhe,
        xjt=xjt,
        dgk=dgk,
        xincun=xincun,
        estate=estate,
        plaza=plaza,
        working_committee=wc,
        wuhe_committee=wuhe_c,
        xjt_committee=xjt_c,
        dgk_branch=make_org("branch", dgk, wuhe_c, [dgk], name="大光勘居民小组党支部"),
        xincun_branch=make_org("branch", xincun, wuhe_c, [xincun], name="五和新村党支部"),
        estate_branch=make_org("branch", estate, wuhe_c, [estate], name="佳兆业花园党支部"),
        plaza_branch=make_org("branch", plaza, xjt_c, [plaza], name="城市广场党支部"),
    )


@pytest.fixture
def admin_user(world):
    return make_user("t-admin", Role.SUBDISTRICT_ADMIN, world.bantian)


@pytest.fixture
def wuhe_staff(world):
    return make_user("t-wuhe", Role.COMMUNITY_STAFF, world.wuhe)


@pytest.fixture
def secretary(world):
    return make_user("t-dgk", Role.BRANCH_SECRETARY, world.dgk)


@pytest.fixture
def grid_worker(world):
    return make_user("t-grid", Role.GRID_WORKER, world.xincun)


@pytest.fixture
def resident(world):
    return make_user("t-resident", Role.RESIDENT, world.plaza)


@pytest.fixture
def auditor(world):
    return make_user("t-auditor", Role.AUDITOR, world.bantian)


@pytest.fixture
def outsider(world):
    """Community staff of 象角塘: a colleague, but an outsider to everything in 五和."""
    return make_user("t-xjt", Role.COMMUNITY_STAFF, world.xjt)


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client signed in as `user`."""

    def _client(user):
        client.force_login(user)
        return client

    return _client


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language (a request in English must not leak into the next test)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def sms_outbox():
    """The console SMS backend's record of what was sent, empty for each test."""
    from gongzhi.notifications.channels import ConsoleSms

    ConsoleSms.sent.clear()
    yield ConsoleSms.sent
    ConsoleSms.sent.clear()
