"""The services' route tables with each route's declared access rule (mobilise_runtime.access),
from apps that are built but never started."""

from __future__ import annotations

from cryptography.fernet import Fernet
from fastapi import FastAPI

import console.access
import counter.access
import mailer.access
import signup.access
from console.entrypoints.web import create_app as console_app
from console.settings import Settings as ConsoleSettings
from counter.entrypoints.api import create_app as counter_app
from mailer.entrypoints.api import create_app as mailer_app
from mailer.settings import Settings as MailerSettings
from mobilise_runtime.access import RouteAccess, route_access
from signup.entrypoints.api import create_app as signup_app
from signup.settings import Settings as SignupSettings


def apps() -> dict[str, FastAPI]:
    """Each service's app, built but never started."""
    signup_settings = SignupSettings(
        token_keys=Fernet.generate_key().decode(), supporter_key_secret="x"
    )
    return {
        "signup": signup_app(signup_settings),
        "mailer": mailer_app(MailerSettings()),
        "counter": counter_app(),
        "console": console_app(ConsoleSettings(session_secret="a console session secret")),
    }


def signup_routes() -> list[RouteAccess]:
    return route_access(apps()["signup"], signup.access.PUBLIC_ROUTES)


def mailer_routes() -> list[RouteAccess]:
    return route_access(apps()["mailer"], mailer.access.PUBLIC_ROUTES)


def counter_routes() -> list[RouteAccess]:
    return route_access(apps()["counter"], counter.access.PUBLIC_ROUTES)


def console_routes() -> list[RouteAccess]:
    return route_access(apps()["console"], console.access.PUBLIC_ROUTES)
