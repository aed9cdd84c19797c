"""Seeds a running Metropole with N users (user_0000…), titled streams and some follows,
through the public API only. Usage: seed.py BASE_URL N"""
import concurrent.futures
import json
import sys
import urllib.request

base, count = sys.argv[1], int(sys.argv[2])
words = ["Speedrun", "Chill", "Jazz", "Retro", "Coding", "Chess", "Art", "Music", "News", "Cooking"]


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def create(i):
    name = f"user_{i:04d}"
    call("POST", "/users", {"username": name, "password": "password123"})
    token = call("POST", "/sessions", {"username": name, "password": "password123"})["token"]
    call("PATCH", "/me/stream", {"title": f"{words[i % len(words)]} stream number {i}"}, token)
    return token


def follow(i, token):
    for j in range(1, 1 + i % 5):
        target = (i * 7 + j) % count
        if target != i:
            call("PUT", f"/me/following/user_{target:04d}", token=token)


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    tokens = list(pool.map(create, range(count)))
    list(pool.map(follow, range(count), tokens))
