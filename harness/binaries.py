"""Where the binaries are. `metropole` comes from the product package (the repository root),
the load generators from their own package, Tools/LoadGenerators (decision 0015).

  METROPOLE_BIN           the metropole binary to run
  METROPOLE_LOAD_BIN_DIR  the folder of the load generators to run

scripts/test sets both to its debug builds, scripts/bench/build.sh to release builds (or to
prebuilt ones, for a before/after). Otherwise SwiftPM's build folder for the configuration.
"""
import os
import subprocess

from harness import ROOT

TOOLS_PACKAGE = os.path.join(ROOT, "Tools", "LoadGenerators")
LOAD_TOOLS = ("metropole-video-load", "metropole-chat-load")


def _bin_path(package, configuration):
    return subprocess.check_output(["swift", "build", "--package-path", package, "-c", configuration, "--show-bin-path"],
                                   text=True).strip()


def _executable(path, hint):
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{path} is missing: {hint}")
    return path


def metropole(configuration="debug"):
    path = os.environ.get("METROPOLE_BIN") or os.path.join(_bin_path(ROOT, configuration), "metropole")
    return _executable(path, f"run `swift build -c {configuration} --product metropole`")


def build_load_tools(configuration="debug"):
    """Builds the tools package (a no-op when it is up to date), unless METROPOLE_LOAD_BIN_DIR
    points at prebuilt tools."""
    if not os.environ.get("METROPOLE_LOAD_BIN_DIR"):
        subprocess.run(["swift", "build", "--package-path", TOOLS_PACKAGE, "-c", configuration], check=True)


def load_tool(name, configuration="debug"):
    """One of LOAD_TOOLS, from METROPOLE_LOAD_BIN_DIR or the tools package's build folder."""
    assert name in LOAD_TOOLS, name
    folder = os.environ.get("METROPOLE_LOAD_BIN_DIR") or _bin_path(TOOLS_PACKAGE, configuration)
    return _executable(os.path.join(folder, name),
                       f"run `swift build --package-path Tools/LoadGenerators -c {configuration}`")
