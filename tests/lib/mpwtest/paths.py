"""Where the repository, its build outputs and its tools are."""
import os
import platform
import sys

REPO = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../.."))
BUILD = os.path.join(REPO, "build")

# tools in the repository
TOPOLOGY = os.path.join(REPO, "tools/vm/topology")
PATHSIM = os.path.join(REPO, "tools/vm/pathsim")
VM_RUN = os.path.join(REPO, "tools/vm/run")
TRUTH_PY = os.path.join(REPO, "tools/airsim/truth.py")
SPEC = os.path.join(REPO, "include/uapi/linux/mpwifi.yaml")


def cli_path():
    """The mpwifi CLI: $MPWIFI, or the one built in build/agent."""
    return os.environ.get("MPWIFI") or os.path.join(BUILD, "agent/mpwifi")


def module_path(release=None):
    """The module built for RELEASE (default: the running kernel): build/modules/<release>/mpwifi.ko
    (`make module` or `make modules-all`)."""
    return os.path.join(BUILD, "modules", release or platform.release(), "mpwifi.ko")


def frame_inject_path():
    return os.environ.get("FRAME_INJECT") or os.path.join(BUILD, "tools/frame-inject")


def airsim_path():
    return os.environ.get("MPWIFI_AIRSIM") or os.path.join(BUILD, "tools/airsim/airsim")


def use_experiment_airsim(queue_limit=50, time_scale=1, stats_s=1, truth="none"):
    """From now on (this process and its children) the WiFi world starts airsim through
    bench/vm/ecn-airsim.py, with the experiments' settings: the APs' queue, the air's time scale, the
    statistics interval and where the truth goes ("none": nowhere).  See that script."""
    real = os.environ.get("MPWIFI_ECN_AIRSIM") or airsim_path()
    os.environ.update(MPWIFI_AIRSIM=os.path.join(REPO, "bench/vm/ecn-airsim.py"), MPWIFI_ECN_AIRSIM=real,
                      MPWIFI_ECN_QUEUE_LIMIT=str(queue_limit), MPWIFI_ECN_STATS_S=str(stats_s),
                      MPWIFI_ECN_TIME_SCALE=str(time_scale), MPWIFI_ECN_TRUTH=truth)


def vm_out(how="tools/vm/run"):
    """The VM's output directory ($MPWIFI_VM_OUT) for a script that runs only in the guest; without one,
    the script exits saying how it is run."""
    out = os.environ.get("MPWIFI_VM_OUT")
    if not out:
        sys.exit(f"{os.path.basename(sys.argv[0])}: run inside the VM ({how})")
    return out
