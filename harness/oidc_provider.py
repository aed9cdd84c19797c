"""A real OpenID Connect provider on loopback: django-oidc-provider in a throwaway Django
project made in a temporary directory (settings, a login template, one user, one client).

`OIDCProvider(tmp_dir, redirect_uri).start()`; `issuer` is what Metropole is configured
with; `stop()` ends it. The provider's log goes to `<tmp_dir>/provider.log`.
"""
import os
import subprocess
import sys
import textwrap
import time
import urllib.request

from harness import processes

SETTINGS = """
import os
BASE = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "throwaway-test-provider-key-0123456789abcdef"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "idp_urls"
SITE_URL = "http://127.0.0.1:{port}"
LOGIN_URL = "/accounts/login/"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "oidc_provider"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [os.path.join(BASE, "templates")],
              "APP_DIRS": True, "OPTIONS": {{"context_processors": ["django.template.context_processors.request"]}}}}]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE, "idp.sqlite3")}}}}
USE_TZ = True
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
OIDC_USERINFO = "idp_claims.userinfo"
# Cookies of two servers on one host must not meet: Metropole's are metropole_*.
SESSION_COOKIE_NAME = "idp_session"
CSRF_COOKIE_NAME = "idp_csrf"
"""

URLS = """
from django.urls import include, path
urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
]
"""

CLAIMS = """
def userinfo(claims, user):
    claims["preferred_username"] = user.username
    claims["name"] = (user.first_name + " " + user.last_name).strip()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["email"] = user.email
    return claims
"""

LOGIN_TEMPLATE = """
<!doctype html><title>Test provider: sign in</title>
<h1>Test provider</h1>
<form method="post">{% csrf_token %}{{ form.as_p }}<input type="hidden" name="next" value="{{ next }}">
<button type="submit" id="provider-login">Log in</button></form>
"""

SETUP = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idp_settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("creatersakey")
from django.contrib.auth.models import User
from oidc_provider.models import Client, ResponseType
username, password, redirect_uri, client_id, client_secret = sys.argv[1:6]
User.objects.create_user(username, "ada@example.org", password, first_name="Ada", last_name="Lovelace")
client = Client.objects.create(name="Metropole", client_type="confidential", client_id=client_id,
                               client_secret=client_secret, jwt_alg="RS256", redirect_uris=[redirect_uri],
                               require_consent=True)
client.response_types.add(ResponseType.objects.get(value="code"))
"""


class OIDCProvider:
    client_id = "metropole-test"
    client_secret = "s3cretS3cretS3cret"
    username = "ada_oidc"
    password = "provider-pass-123"

    def __init__(self, directory, redirect_uri):
        self.directory = directory
        self.redirect_uri = redirect_uri
        self.port = processes.free_port()
        self.process = None

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.port}/openid"

    def _write(self, name, text):
        path = os.path.join(self.directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))

    def start(self, timeout=30.0):
        self._write("idp_settings.py", SETTINGS.format(port=self.port))
        self._write("idp_urls.py", URLS)
        self._write("idp_claims.py", CLAIMS)
        self._write("templates/registration/login.html", LOGIN_TEMPLATE)
        self._write("setup_idp.py", SETUP)
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="idp_settings", PYTHONPATH=self.directory)
        subprocess.run([sys.executable, "setup_idp.py", self.username, self.password, self.redirect_uri,
                        self.client_id, self.client_secret], cwd=self.directory, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        self.log = open(os.path.join(self.directory, "provider.log"), "ab")
        self.process = processes.spawn(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=self.directory, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError("the OpenID Connect provider exited: " + self.read_log())
            try:
                with urllib.request.urlopen(self.issuer + "/.well-known/openid-configuration", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the OpenID Connect provider did not start: " + self.read_log())

    def stop(self):
        if self.process:
            processes.stop(self.process, timeout=5)
            self.process = None
        if getattr(self, "log", None):
            self.log.close()

    def read_log(self):
        try:
            with open(os.path.join(self.directory, "provider.log"), "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""
