"""What the kernel says about this machine's CPU (Linux's /proc/cpuinfo): its model and its instruction flags."""

import platform

CPUINFO = "/proc/cpuinfo"


def _fields(name, cpuinfo):
    """The values of the first `name` line of `cpuinfo`; None where the file cannot be read or has no such line."""
    try:
        with open(cpuinfo, encoding="utf-8") as file:
            for line in file:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def cpu_flags(cpuinfo=CPUINFO):
    """The CPU's instruction flags (x86 `flags`, Arm `Features`) as a set; None where they cannot be read."""
    for name in ("flags", "Features"):
        value = _fields(name, cpuinfo)
        if value is not None:
            return set(value.split())
    return None


def cpu_model(cpuinfo=CPUINFO):
    """The CPU's model name; platform's processor or machine where the kernel does not say."""
    return _fields("model name", cpuinfo) or platform.processor() or platform.machine()
