"""The JSON API at /api/v1/: django-ninja, OpenAPI at /api/v1/openapi.json.

Clients sign in with the browser session (CSRF-checked) or an `Authorization: Bearer` token made by
`gongzhi create_api_token`. Every endpoint reads through the same scoped selectors as the pages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja import errors as ninja_errors
from ninja.security import HttpBearer, django_auth

from gongzhi.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Gongzhi API",
    version="1",
    description="共治 Gongzhi: places, party organisations and coverage.",
    # The token first: a bearer request carries no CSRF cookie, and the session check would refuse it.
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(ninja_errors.ValidationError)
def _bad_parameters(request, exc):
    """Malformed parameters are bad input like any other: 400, not ninja's default 422."""
    return api.create_response(request, {"detail": exc.errors}, status=400)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=400)


from gongzhi.collective.api import router as collective_router  # noqa: E402
from gongzhi.deliberation.api import router as deliberation_router  # noqa: E402
from gongzhi.demands.api import router as demands_router  # noqa: E402
from gongzhi.dues.api import router as dues_router  # noqa: E402
from gongzhi.members.api import router as members_router  # noqa: E402
from gongzhi.orglife.api import router as orglife_router  # noqa: E402
from gongzhi.party.api import router as party_router  # noqa: E402
from gongzhi.recruitment.api import router as recruitment_router  # noqa: E402
from gongzhi.territory.api import router as territory_router  # noqa: E402
from gongzhi.transfers.api import router as transfers_router  # noqa: E402

api.add_router("/", territory_router)
api.add_router("/", party_router)
api.add_router("/", members_router)
api.add_router("/", orglife_router)
api.add_router("/", dues_router)
api.add_router("/", transfers_router)
api.add_router("/", recruitment_router)
api.add_router("/", demands_router)
api.add_router("/", deliberation_router)
api.add_router("/", collective_router)
