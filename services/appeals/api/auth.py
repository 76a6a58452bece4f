"""Login of institution staff and operators: a signed JWT every service verifies."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from .. import accounts
from ..schemas import LoginSchema, TokenSchema
from .base import client_ip, ctx

blp = Blueprint("appeals-auth", __name__, url_prefix="/api/appeals/v1/auth", description="Login")


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong username or password")
    def post(self, body):
        """Exchange a username and password for an access token (Bearer)."""
        c = ctx()
        c.rate_limiter.enforce("login-ip", client_ip(), limit=30, window_seconds=60)
        c.rate_limiter.enforce("login-user", body["username"].lower(), limit=10, window_seconds=60)
        return accounts.login(c.sessions, c.token_issuer, body["username"], body["password"])
