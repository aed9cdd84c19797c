"""Outbound webhooks end to end: a receiver of the test's own on 127.0.0.1 verifies every
delivery with the `standardwebhooks` package (PyPI), the reference implementation.

The server runs with METROPOLE_WEBHOOKS_ALLOW_PRIVATE=1 (the receiver is on loopback) and a
first retry after 1 s. Every wait has a generous deadline and the assertions are on content."""
import http.server
import json
import threading
import time

import pytest
from standardwebhooks import Webhook

from harness.media import publish
from harness.processes import free_port, stop, wait_until
from harness.server import Server

WEBHOOK_ENV = {"METROPOLE_WEBHOOKS_ALLOW_PRIVATE": "1", "METROPOLE_WEBHOOKS_RETRY_SECONDS": "1"}
ALL_EVENTS = ["stream.online", "stream.offline", "stream.updated", "follow.created", "user.updated"]


class Receiver:
    """An HTTP endpoint that records each delivery and whether its signature verified."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.secret = None
        self.deliveries = []  # (headers, event, verified)
        self.lock = threading.Lock()
        self.httpd = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    event = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except Exception:  # noqa: BLE001 - any failure is "not verified", recorded
                    event, verified = json.loads(body or b"null"), False
                with receiver.lock:
                    receiver.deliveries.append((headers, event, verified))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def events(self, type_=None):
        with self.lock:
            return [(h, e, v) for h, e, v in self.deliveries if type_ is None or e.get("type") == type_]


@pytest.fixture
def receiver():
    instance = Receiver()
    yield instance
    instance.stop()


def webhook_server(data_dir):
    return Server(data_dir, env=WEBHOOK_ENV).start()


def register(server, token, receiver, events=ALL_EVENTS):
    status, body = server.api("POST", "/me/webhooks", {"url": receiver.url, "events": events}, token)
    assert status == 201, body
    assert body["secret"].startswith("whsec_")
    receiver.secret = body["secret"]
    return body


def deliveries(server, token, webhook_id):
    status, body = server.api("GET", f"/me/webhooks/{webhook_id}", token=token)
    assert status == 200, body
    return body["deliveries"]


def test_live_stream_events_are_signed_and_in_order(data_dir, receiver):
    receiver.start()
    server = webhook_server(data_dir)
    try:
        token, rtmp_url = server.channel("caster")
        hook = register(server, token, receiver)
        listed = server.api("GET", "/me/webhooks", token=token)[1]
        assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]

        publisher = publish(rtmp_url)
        try:
            assert wait_until(lambda: receiver.events("stream.online"), timeout=30), "no stream.online"
        finally:
            stop(publisher)
        assert wait_until(lambda: receiver.events("stream.offline"), timeout=30), "no stream.offline"
        status, _ = server.api("PATCH", "/me/stream", {"title": "After the show"}, token)
        assert status == 200
        assert wait_until(lambda: receiver.events("stream.updated"), timeout=30), "no stream.updated"
        status, sent = server.api("POST", f"/me/webhooks/{hook['id']}/test", token=token)
        assert status == 202, sent
        assert wait_until(lambda: receiver.events("webhook.test"), timeout=30), "no test event"

        received = receiver.events()
        assert all(verified for _, _, verified in received), "every delivery verifies with standardwebhooks"
        types = [event["type"] for _, event, _ in received]
        assert types.index("stream.online") < types.index("stream.offline") < types.index("stream.updated")
        online = receiver.events("stream.online")[0][1]
        assert online["data"]["username"] == "caster" and online["data"]["isLive"] is True
        assert "timestamp" in online and "streamKey" not in json.dumps(online)
        assert receiver.events("stream.updated")[-1][1]["data"]["title"] == "After the show"

        shown = deliveries(server, token, hook["id"])
        assert wait_until(lambda: all(d["status"] == "delivered" for d in deliveries(server, token, hook["id"])), timeout=10)
        assert {d["type"] for d in shown} >= {"stream.online", "stream.offline", "stream.updated", "webhook.test"}
    finally:
        server.stop()


def test_down_receiver_gets_each_event_once_even_across_a_restart(data_dir):
    receiver = Receiver()  # not listening yet: every first attempt fails
    server = webhook_server(data_dir)
    try:
        token, _ = server.channel("caster")
        fan = server.sign_up("fan")
        hook = register(server, token, receiver, events=["follow.created", "user.updated"])
        assert server.api("PUT", "/me/following/caster", token=fan)[0] == 204
        assert server.api("PATCH", "/me", {"bio": "Live most evenings"}, token)[0] == 200
        assert server.api("PATCH", "/me", {"bio": "A fan"}, fan)[0] == 200  # not caster's: never sent

        def first_attempt_failed():
            queued = deliveries(server, token, hook["id"])
            return len(queued) == 2 and queued[-1]["attempts"] >= 1 and queued[-1]["lastError"]
        assert wait_until(first_attempt_failed, timeout=30), deliveries(server, token, hook["id"])
        assert all(d["status"] == "pending" for d in deliveries(server, token, hook["id"]))
    finally:
        server.stop()

    # Metropole restarts while the receiver is still down; then the receiver comes up.
    server = webhook_server(data_dir)
    try:
        time.sleep(1)
        receiver.start()
        both = lambda: len(receiver.events()) >= 2 and all(
            d["status"] == "delivered" for d in deliveries(server, token, hook["id"]))
        assert wait_until(both, timeout=45), (receiver.events(), deliveries(server, token, hook["id"]))
        time.sleep(2)  # room for a duplicate to show up, were one sent
        received = receiver.events()
        assert [event["type"] for _, event, _ in received] == ["follow.created", "user.updated"]
        ids = [headers["webhook-id"] for headers, _, _ in received]
        assert len(set(ids)) == 2, "each webhook-id arrives exactly once"
        assert all(verified for _, _, verified in received)
        follow = received[0][1]["data"]
        assert follow["follower"]["username"] == "fan" and follow["followed"]["username"] == "caster"
        assert received[1][1]["data"]["bio"] == "Live most evenings"
    finally:
        server.stop()
        receiver.stop()


def test_dashboard_tab_adds_a_webhook_shows_its_secret_once_and_sends_a_test(data_dir, receiver, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from harness.browser import sign_in

    receiver.start()
    server = webhook_server(data_dir)
    try:
        server.sign_up("caster")
        sign_in(browser, server, "caster")
        browser.get(server.url + "/u/caster/webhooks")
        assert browser.find_element(By.ID, "no-webhooks")
        browser.find_element(By.ID, "webhook-url").send_keys(receiver.url)
        browser.find_element(By.CSS_SELECTOR, "#add-webhook button[type=submit]").click()
        # The form posts and the answer is a new page: wait for it rather than racing it.
        secret = WebDriverWait(browser, 15).until(lambda b: b.find_element(By.ID, "webhook-secret")).get_attribute("value")
        assert secret.startswith("whsec_")
        receiver.secret = secret

        browser.get(server.url + "/u/caster/webhooks")
        assert not browser.find_elements(By.ID, "webhook-secret"), "the secret is shown once"
        browser.find_element(By.XPATH, "//button[normalize-space()='Send test event']").click()
        assert wait_until(lambda: receiver.events("webhook.test"), timeout=30), "no test event"
        assert receiver.events("webhook.test")[0][2], "verified with standardwebhooks"

        def shown_delivered():
            browser.get(server.url + "/u/caster/webhooks")
            return browser.find_elements(By.CSS_SELECTOR, ".delivery-status.is-delivered")
        assert wait_until(shown_delivered, timeout=20, interval=0.5)
    finally:
        server.stop()
