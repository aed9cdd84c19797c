"""The one Python harness of Metropole, shared by the end-to-end suite (e2e/) and the
benchmarks (scripts/bench/): it starts the real binaries on loopback, publishes with ffmpeg,
runs the load generators, and for the benchmarks measures CPU and memory and runs the peer.

Modules:
  processes   children that never outlive a run, free ports, waiting
  binaries    where `metropole` and the load generators are (built by SwiftPM)
  jsonhttp    JSON over HTTP, standard library only
  server      one `metropole serve` with its own ports and data directory
  media       the test clips, publishing with ffmpeg, ffprobe
  load_tools  running metropole-video-load and metropole-chat-load and reading their output
  measure     CPU and RSS from /proc, bytes delivered (benchmarks)
  nginx       nginx-rtmp, the benchmarks' peer
  report      log lines and tables (benchmarks)
  bench       our server and publishers as every benchmark starts them

Python's standard library only; the e2e suite adds pytest, selenium and websockets itself.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
