"""The test clips, publishing them with ffmpeg as OBS would, and checking output with ffprobe.

Clips are made once per machine into METROPOLE_MEDIA_CACHE (~/.cache/metropole-media).
"""
import functools
import json
import os
import subprocess

from harness import processes

CACHE = os.environ.get("METROPOLE_MEDIA_CACHE", os.path.expanduser("~/.cache/metropole-media"))

# The e2e suite's clip: short, 1 s GOP, B-frames (composition offsets must survive).
TEST_CLIP = {"seconds": 12, "gop_frames": 30, "b_frames": 2}
# The benchmarks' clip of /work/shared/TOOLCHAIN.md: 60 s, 2 s GOP, x264's default B-frames.
BENCH_CLIP = {"seconds": 60, "gop_frames": 60, "b_frames": None}


def clip(seconds=12, gop_frames=30, b_frames=2):
    """A 720p30 H.264 2.5 Mbps + AAC 128 kbps FLV (testsrc2 and a sine tone)."""
    name = f"clip-720p30-2500k-{seconds}s-g{gop_frames}-bf{'default' if b_frames is None else b_frames}.flv"
    path = os.path.join(CACHE, name)
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    partial = path + ".partial.flv"  # ffmpeg picks the muxer by extension; a crash leaves no clip
    video = ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "2500k"]
    if b_frames is not None:
        video += ["-bf", str(b_frames)]
    subprocess.run([
        "ffmpeg", "-v", "error", "-y", "-nostdin",
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds), *video,
        "-g", str(gop_frames), "-keyint_min", str(gop_frames), "-sc_threshold", "0", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-f", "flv", partial,
    ], check=True)
    os.replace(partial, path)
    return path


@functools.lru_cache(maxsize=None)
def clip_mbps(path):
    """The clip's average bit rate, from its size and length."""
    return os.path.getsize(path) * 8 / duration_seconds(path) / 1e6


def publish(url, path=None, loop=True, seconds=None, cpu=None, stderr=subprocess.PIPE):
    """ffmpeg sending a clip (the test clip by default) in real time, copied, as OBS would;
    a tracked child (`processes.stop`, or `terminate()` and `wait()`)."""
    args = ["ffmpeg", "-v", "error", "-nostdin", "-re"]
    if loop:
        args += ["-stream_loop", "-1"]
    args += ["-i", path or clip(**TEST_CLIP)]
    if seconds:
        args += ["-t", str(seconds)]
    args += ["-c", "copy", "-f", "flv", url]
    return processes.spawn(args, cpu=cpu, stdout=subprocess.DEVNULL, stderr=stderr)


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height,nb_read_packets",
         "-show_entries", "format=start_time,duration", "-count_packets", "-of", "json", path],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def codecs(url, timeout=20):
    """The codec names of a file or a live URL, sorted (reads only the start: fine for live HLS)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "json", url],
        check=True, capture_output=True, text=True, timeout=timeout,
    ).stdout
    return sorted(stream["codec_name"] for stream in json.loads(out)["streams"])


def duration_seconds(path):
    info = probe(path)["format"]
    return float(info["duration"]) - float(info.get("start_time") or 0)


def decode_errors(path_or_url, seconds=None):
    args = ["ffmpeg", "-v", "error", "-nostdin", "-i", path_or_url]
    if seconds:
        args += ["-t", str(seconds)]
    # Frames keep the input's time base: by default the null muxer's is 1/(guessed frame rate),
    # and a WebRTC stream whose first frames come unevenly gets a guess low enough that two
    # frames share a tick and ffmpeg complains of non-monotonic DTS that the stream does not have.
    args += ["-enc_time_base", "-1"]
    result = subprocess.run(args + ["-f", "null", "-"], capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr

