"""Helpers for live tests: a test clip, publishing with ffmpeg, probing with ffprobe."""
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CLIP_DIR = os.path.join(tempfile.gettempdir(), "metropole-test-media")


def clip(seconds=12):
    """A 720p30 H.264 (with B-frames) + AAC FLV, 1 s GOP, made once per machine."""
    os.makedirs(CLIP_DIR, exist_ok=True)
    path = os.path.join(CLIP_DIR, f"clip-{seconds}s.flv")
    if not os.path.exists(path):
        subprocess.run([
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2500k", "-bf", "2",
            "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-f", "flv", path + ".tmp",
        ], check=True)
        os.replace(path + ".tmp", path)
    return path


def publish(rtmp_url, loop=True, seconds=None):
    """ffmpeg publishing the clip in real time, as OBS would."""
    args = ["ffmpeg", "-v", "error", "-re"]
    if loop:
        args += ["-stream_loop", "-1"]
    args += ["-i", clip()]
    if seconds:
        args += ["-t", str(seconds)]
    args += ["-c", "copy", "-f", "flv", rtmp_url]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height,nb_read_packets",
         "-show_entries", "format=start_time,duration", "-count_packets", "-of", "json", path],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def decode_errors(path_or_url, seconds=None):
    args = ["ffmpeg", "-v", "error", "-i", path_or_url]
    if seconds:
        args += ["-t", str(seconds)]
    result = subprocess.run(args + ["-f", "null", "-"], capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def get_json(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
