"""Reading LL-HLS media playlists as a low-latency player does: the parts, each with the moment
its last frame was ingested (its segment's PROGRAM-DATE-TIME plus the durations before it), and
the part to block on next. Many readers at once are the load tool's (`load_tools.llhls`)."""
import calendar
import re
import time
from dataclasses import dataclass


@dataclass
class Part:
    uri: str
    msn: int
    index: int
    ends_at: float  # seconds since 1970


def parse(playlist):
    """The playlist's parts, and the (msn, part) of the first one not in it yet."""
    msn = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", playlist).group(1)) - 1
    parts, index, clock, complete = [], 0, 0.0, False
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            stamp = line.split(":", 1)[1]
            whole, millis = stamp.rstrip("Z").split(".")
            clock = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + int(millis) / 1000
            msn, index, complete = msn + 1, 0, False
        elif line.startswith("#EXT-X-PART:"):
            clock += float(re.search(r"DURATION=([\d.]+)", line).group(1))
            parts.append(Part(re.search(r'URI="([^"]+)"', line).group(1), msn, index, clock))
            index += 1
        elif line.startswith("#EXTINF"):
            complete = True
    return parts, ((msn + 1, 0) if complete else (msn, index))
