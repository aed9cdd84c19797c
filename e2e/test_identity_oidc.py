"""OpenID Connect sign-in against a real provider (django-oidc-provider on loopback):
headless Chromium goes from Metropole's sign-in page through the provider's login form and
consent page, and comes back signed in, with an account made on first sign-in."""
import os
import tempfile
import shutil

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness.oidc_provider import OIDCProvider
from harness.server import Server


@pytest.fixture
def oidc_setup(data_dir):
    server = Server(data_dir)
    directory = tempfile.mkdtemp(prefix="metropole-idp-")
    provider = OIDCProvider(directory, f"http://127.0.0.1:{server.http_port}/signin/oidc/callback").start()
    server.extra_env.update({
        "METROPOLE_OIDC_ISSUER": provider.issuer,
        "METROPOLE_OIDC_CLIENT_ID": provider.client_id,
        "METROPOLE_OIDC_CLIENT_SECRET": provider.client_secret,
        "METROPOLE_OIDC_NAME": "Test Provider",
    })
    server.start()
    yield server, provider
    server.stop()
    provider.stop()
    shutil.rmtree(directory, ignore_errors=True)


def sign_in_through_provider(browser, server, provider):
    wait = WebDriverWait(browser, 20)
    browser.get(server.url + "/signin")
    button = browser.find_element(By.ID, "oidc-sign-in")
    assert button.text == "Sign in with Test Provider"
    # The password form is still there beside it.
    assert browser.find_element(By.ID, "password")
    button.click()

    # The provider's own login form, then its consent page.
    wait.until(EC.presence_of_element_located((By.ID, "id_username"))).send_keys(provider.username)
    browser.find_element(By.ID, "id_password").send_keys(provider.password)
    browser.find_element(By.ID, "provider-login").click()
    wait.until(EC.presence_of_element_located((By.NAME, "allow"))).click()

    # Back on Metropole's home page, signed in.
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".menu-name")))
    assert browser.current_url.rstrip("/") == server.url
    return browser.find_element(By.CSS_SELECTOR, ".menu-name").get_attribute("textContent")


def test_sign_in_with_a_real_provider(oidc_setup, browser):
    server, provider = oidc_setup
    # The provider's pages ask for a favicon it does not have.
    browser.expected_statuses = {404}
    # Somebody here already has the provider user's name: the new account gets a suffix.
    server.sign_up(provider.username)

    name = sign_in_through_provider(browser, server, provider)
    assert name.startswith(provider.username + "_") and len(name) == len(provider.username) + 5, name
    status, user = server.api("GET", f"/users/{name}")
    assert status == 200 and user["displayName"] == "Ada Lovelace"
    assert server.api("GET", f"/streams/{name}")[0] == 200

    # A full user: their dashboard and keys.
    browser.get(server.url + f"/u/{name}/keys")
    assert browser.find_element(By.CSS_SELECTOR, ".menu-name").get_attribute("textContent") == name

    # Signing out and in again finds the same account (issuer and subject), no new one.
    browser.find_element(By.CSS_SELECTOR, ".menu-button").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.LINK_TEXT, "Sign in")))
    browser.get(server.url + "/signin")
    browser.find_element(By.ID, "oidc-sign-in").click()
    # The provider remembers its session; it may ask for consent again or reuse the first.
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_elements(By.NAME, "allow") or d.find_elements(By.CSS_SELECTOR, ".menu-name"))
    for allow in browser.find_elements(By.NAME, "allow"):
        allow.click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".menu-name")))
    assert browser.find_element(By.CSS_SELECTOR, ".menu-name").get_attribute("textContent") == name


def test_a_callback_without_its_sign_in_is_refused(oidc_setup, browser):
    server, _ = oidc_setup
    browser.expected_statuses = {400}
    browser.get(server.url + "/signin/oidc/callback?code=forged&state=forged")
    assert "expired or was started in another browser" in browser.find_element(By.ID, "form-error").text
    assert not browser.find_elements(By.CSS_SELECTOR, ".menu-name")
