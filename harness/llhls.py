"""LL-HLS readers as a low-latency player reads: a blocking playlist reload for the next part,
then every new part, over one keep-alive connection each. Each reader notes how far behind
live each part arrived: the wall clock at the end of the fetch minus the moment the part's last
frame was ingested (its segment's PROGRAM-DATE-TIME plus the durations before it)."""
import calendar
import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


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


@dataclass
class Reader:
    playlist_url: str
    delays: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    parts: int = 0

    def run(self, until):
        url = urlsplit(self.playlist_url)
        base = url.path.rsplit("/", 1)[0] + "/"
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        try:
            status, text = self._get(connection, url.path)
            if status != 200:
                self.errors.append(f"playlist {status}")
                return
            seen = {part.uri for part in parse(text.decode())[0]}
            _, (msn, index) = parse(text.decode())
            while time.time() < until:
                status, text = self._get(connection, f"{url.path}?_HLS_msn={msn}&_HLS_part={index}")
                if status != 200:
                    self.errors.append(f"blocking playlist {status}")
                    time.sleep(0.2)
                    continue
                parts, (msn, index) = parse(text.decode())
                for part in parts:
                    if part.uri in seen:
                        continue
                    seen.add(part.uri)
                    status, body = self._get(connection, base + part.uri)
                    if status != 200 or not body:
                        self.errors.append(f"part {status}")
                        continue
                    self.delays.append(time.time() - part.ends_at)
                    self.parts += 1
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(repr(error))
        finally:
            connection.close()

    @staticmethod
    def _get(connection, path):
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()


def read(playlist_url, readers, seconds, stagger=0.005):
    """`readers` readers of `playlist_url` for `seconds`, started `stagger` s apart."""
    until = time.time() + seconds
    group = [Reader(playlist_url) for _ in range(readers)]
    threads = [threading.Thread(target=reader.run, args=(until,), daemon=True) for reader in group]
    for thread in threads:
        thread.start()
        time.sleep(stagger)
    for thread in threads:
        thread.join(timeout=seconds + 30)
    return group
