"""JSON over HTTP with the standard library: every answer is (status, decoded body), errors
included, so callers check statuses themselves."""
import json
import urllib.error
import urllib.request


def request_json(url, method="GET", body=None, token=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, (json.loads(raw) if raw else None)


def get_json(url, token=None):
    return request_json(url, token=token)
