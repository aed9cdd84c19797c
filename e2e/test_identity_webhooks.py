"""User sync by webhooks: svix (the library Clerk's deliveries are signed with) signs
Clerk-shaped events; created, updated and deleted take effect through the public API, and
tampered, mis-signed, stale and replayed deliveries change nothing."""
import base64
import datetime
import http.server
import json
import os
import threading
import urllib.error
import urllib.request

import pytest
from svix.webhooks import Webhook

from harness.server import Server

SECRET = "whsec_" + base64.b64encode(b"metropole-user-sync-test-key-32b").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"somebody-else-entirely-key-32byt").decode()
# The smallest PNG: eight signature bytes and an IHDR are enough for the content check.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.fixture
def picture_server():
    """A loopback HTTP server with one picture, `/alice.png`."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/alice.png"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            if found:
                self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def sync_server(data_dir):
    instance = Server(data_dir, env={"METROPOLE_USER_WEBHOOK_SECRET": SECRET, "METROPOLE_WEBHOOKS_ALLOW_PRIVATE": "1"}).start()
    yield instance
    instance.stop()


def clerk_user(user_id, updated_at, username=None, first_name=None, last_name=None, email=None, image_url=None):
    """`data` of a Clerk `user.created`/`user.updated` (UserJSON)."""
    return {
        "id": user_id, "object": "user", "username": username, "first_name": first_name, "last_name": last_name,
        "image_url": image_url or "https://img.clerk.com/default", "has_image": image_url is not None,
        "primary_email_address_id": "idn_1" if email else None,
        "email_addresses": [{"id": "idn_1", "object": "email_address", "email_address": email, "linked_to": []}] if email else [],
        "phone_numbers": [], "external_accounts": [], "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {},
        "banned": False, "locked": False, "created_at": 1700000000000, "updated_at": updated_at,
    }


class Sender:
    """Delivers events the way Clerk does: svix-* headers, svix's signature."""

    def __init__(self, server, secret=SECRET):
        self.url = server.url + "/api/v1/webhooks/users"
        self.webhook = Webhook(secret)
        self.count = 0

    def signed(self, event_type, data, msg_id=None, when=None, header_family="svix"):
        self.count += 1
        msg_id = msg_id or f"msg_{self.count:04d}"
        body = json.dumps({"type": event_type, "object": "event", "data": data,
                           "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "e2e"}}})
        when = when or datetime.datetime.now(tz=datetime.timezone.utc)
        headers = {f"{header_family}-id": msg_id, f"{header_family}-timestamp": str(int(when.timestamp())),
                   f"{header_family}-signature": self.webhook.sign(msg_id, when, body)}
        return body, headers

    def post(self, body, headers):
        request = urllib.request.Request(self.url, data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def send(self, event_type, data, **kwargs):
        return self.post(*self.signed(event_type, data, **kwargs))


def public_user(server, username):
    return server.api("GET", f"/users/{username}")


def test_clerk_events_create_update_and_delete(sync_server, picture_server):
    server, sender = sync_server, Sender(sync_server)

    # created: the user and their stream, with the picture fetched once and checked.
    body, headers = sender.signed("user.created", clerk_user("user_2abc", 1000, username="clerk_alice", first_name="Alice",
                                                             last_name="Liddell", image_url=picture_server + "/alice.png"))
    assert sender.post(body, headers) == (200, {"result": "applied"})
    status, user = public_user(server, "clerk_alice")
    assert status == 200, user
    assert user["displayName"] == "Alice Liddell"
    assert server.api("GET", "/streams/clerk_alice")[0] == 200
    with urllib.request.urlopen(server.url + user["avatarUrl"], timeout=5) as picture:
        assert picture.read() == PNG

    # The same delivery again (Svix retries with the same id): acknowledged, ignored.
    assert sender.post(body, headers) == (200, {"result": "ignored", "reason": "replay"})

    # updated, under Standard Webhooks' own header names: renamed, new display name.
    status, answer = sender.send("user.updated", clerk_user("user_2abc", 2000, username="clerk_alicia", first_name="Alicia"),
                                 header_family="webhook")
    assert (status, answer) == (200, {"result": "applied"})
    assert public_user(server, "clerk_alice")[0] == 404
    status, user = public_user(server, "clerk_alicia")
    assert status == 200 and user["displayName"] == "Alicia"
    assert user.get("avatarUrl") is None, "has_image false removes the picture"

    # An older update arriving late changes nothing.
    assert sender.send("user.updated", clerk_user("user_2abc", 1500, username="clerk_old")) == \
        (200, {"result": "ignored", "reason": "stale"})
    assert public_user(server, "clerk_old")[0] == 404
    assert public_user(server, "clerk_alicia")[0] == 200

    # A synced user is a full user: others follow them.
    fan = server.sign_up("fan_of_alicia")
    assert server.api("PUT", "/me/following/clerk_alicia", token=fan)[0] == 204
    assert public_user(server, "clerk_alicia")[1]["followerCount"] == 1

    # deleted: gone with what hangs off them; a later event does not bring them back.
    assert sender.send("user.deleted", {"id": "user_2abc", "object": "user", "deleted": True}) == (200, {"result": "applied"})
    assert public_user(server, "clerk_alicia")[0] == 404
    assert server.api("GET", "/streams/clerk_alicia")[0] == 404
    assert server.api("GET", "/me/following", token=fan)[1] == []
    assert sender.send("user.updated", clerk_user("user_2abc", 9999, username="clerk_alicia")) == \
        (200, {"result": "ignored", "reason": "deleted"})
    assert public_user(server, "clerk_alicia")[0] == 404


def test_clashing_and_missing_usernames_are_derived(sync_server):
    server, sender = sync_server, Sender(sync_server)
    server.sign_up("taken_name")
    assert sender.send("user.created", clerk_user("user_clash", 1, username="Taken_Name"))[0] == 200
    assert sender.send("user.created", clerk_user("user_noname", 1, first_name="Zoë", email="zoe@example.org"))[0] == 200
    assert sender.send("user.created", clerk_user("user_email", 1, email="j.doe@example.org"))[0] == 200

    status, listing = server.api("GET", "/streams?limit=50")
    names = {row["username"] for row in listing}
    clash = [name for name in names if name.lower().startswith("taken_name_")]
    assert len(clash) == 1 and len(clash[0]) == len("taken_name_") + 4, names
    assert {"Zoe", "j_doe"} <= names, names


def test_refused_deliveries_change_nothing(sync_server):
    server, sender = sync_server, Sender(sync_server)
    data = clerk_user("user_bad", 1, username="never_made")

    body, headers = sender.signed("user.created", data)
    tampered = body.replace("never_made", "other_name")
    status, answer = sender.post(tampered, headers)
    assert status == 401 and answer["error"]["code"] == "invalid_signature"

    status, answer = Sender(server, OTHER_SECRET).send("user.created", data)
    assert status == 401 and answer["error"]["code"] == "invalid_signature"

    old = datetime.datetime.now(tz=datetime.timezone.utc) - datetime.timedelta(minutes=10)
    status, answer = sender.send("user.created", data, when=old)
    assert status == 401 and answer["error"]["code"] == "stale_timestamp"

    status, answer = sender.post(body, {})
    assert status == 401

    assert public_user(server, "never_made")[0] == 404
    assert public_user(server, "other_name")[0] == 404
    # A refused delivery was not remembered: the genuine one still applies.
    assert sender.post(body, headers) == (200, {"result": "applied"})
    assert public_user(server, "never_made")[0] == 200


def test_endpoint_is_off_without_a_secret(server):
    status, answer = Sender(server).send("user.created", clerk_user("user_x", 1, username="nobody_here"))
    assert status == 404 and answer["error"]["code"] == "not_found"
