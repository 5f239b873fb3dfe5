#!/usr/bin/python3
# HOST-OS TOOL STAND-INS for end-to-end lab hosts that claim an OS family (hosts.sh flavor=...).
# These are NOT firewalld, ufw, SELinux, a package manager, NetworkManager or modprobe: one script,
# installed under each tool's name, that keeps just enough state under /var/lib/k3s-standin/os (the
# host's private /var/lib) for the k3s-stacks host preparation to be exercised over real SSH, and logs
# every call to the lab's invocation log. Answers start or end with "STAND-IN" where a human reads them.
#   firewall-cmd  --state | --permanent [--zone=Z] --query-/--add-/--remove-port=V, --query-/--add-/--remove-source=V
#                 | --list-ports | --list-sources | --reload | --list-all
#   ufw           status | show added | allow PORT/PROTO | allow from CIDR | delete RULE
#   getenforce    mode from os/selinux (Disabled when absent)
#   modprobe      fails for modules listed in os/modules-missing ("not found"), else records them loaded
#   apt-get, dnf, yum, zypper, pacman: update/install; a package listed in os/packages/<name> provides
#                 the modules it lists (removed from modules-missing); unknown packages are not found
#   rpm           -q NAME (installed packages)
#   nmcli         general reload
import fcntl
import json
import os
import socket
import sys
import time

OS = "/var/lib/k3s-standin/os"
SHARED = "/var/lib/k3s-standin/shared"


def record(tool, argv, extra=None):
    now = time.time()
    entry = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000),
             "tool": tool, "argv": argv, "host": socket.gethostname(), "uid": os.getuid(), "standin": True}
    entry.update(extra or {})
    try:
        with open(SHARED + "/log/invocations.jsonl", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(json.dumps(entry) + "\n")
    except OSError:
        pass


def lines(name):
    p = os.path.join(OS, name)
    return [l.strip() for l in open(p)] if os.path.exists(p) else []


def write_lines(name, items):
    os.makedirs(OS, exist_ok=True)
    with open(os.path.join(OS, name), "w") as f:
        f.write("".join(i + "\n" for i in items))


def need_root(tool):
    if os.getuid() != 0:
        print(f"{tool}: must be root (STAND-IN)", file=sys.stderr)
        sys.exit(4)


def firewall_cmd(args):
    on = os.path.exists(os.path.join(OS, "firewalld-on"))
    if args == ["--state"]:
        print("running" if on else "not running")
        return 0 if on else 252
    if not on:
        print("FirewallD is not running", file=sys.stderr)
        return 252
    need_root("firewall-cmd")
    perm = "--permanent" in args
    zone = next((a.split("=", 1)[1] for a in args if a.startswith("--zone=")), "public")
    ops = [a for a in args if a not in ("--permanent",) and not a.startswith("--zone=")]
    if ops == ["--reload"]:
        write_lines("firewalld-runtime", lines("firewalld-permanent"))
        print("success")
        return 0
    if ops == ["--list-all"]:
        print("\n".join(lines("firewalld-permanent" if perm else "firewalld-runtime")))
        return 0
    if ops in (["--list-ports"], ["--list-sources"]):
        kind = ops[0][len("--list-"):-1]
        have = lines("firewalld-permanent" if perm else "firewalld-runtime")
        print(" ".join(r.split(" ", 2)[2] for r in have if r.startswith(f"{zone} {kind} ")))
        return 0
    if len(ops) != 1 or "=" not in ops[0]:
        print(f"usage: see firewall-cmd --help (STAND-IN got {args})", file=sys.stderr)
        return 2
    op, value = ops[0].split("=", 1)
    kind = {"--query-port": "port", "--add-port": "port", "--remove-port": "port",
            "--query-source": "source", "--add-source": "source", "--remove-source": "source"}.get(op)
    if kind is None:
        print(f"firewall-cmd STAND-IN: unsupported option {op}", file=sys.stderr)
        return 2
    rule = f"{zone} {kind} {value}"
    store = "firewalld-permanent" if perm else "firewalld-runtime"
    have = lines(store)
    if op.startswith("--query"):
        print("yes" if rule in have else "no")
        return 0 if rule in have else 1
    if op.startswith("--remove"):
        if rule in have:
            write_lines(store, [r for r in have if r != rule])
            print("success")
        else:
            print(f"Warning: NOT_ENABLED: {value}\nsuccess")
        return 0
    if rule not in have:
        write_lines(store, have + [rule])
        print("success")
    else:
        print(f"Warning: ALREADY_ENABLED: {value}\nsuccess")
    return 0


def ufw(args):
    on = os.path.exists(os.path.join(OS, "ufw-on"))
    rules = lines("ufw-rules")
    if args == ["status"]:
        print("Status: active" if on else "Status: inactive")
        return 0
    if args == ["show", "added"]:
        print("Added user rules (see 'ufw status' for running firewall):")
        print("\n".join("ufw " + r for r in rules) if rules else "(None)")
        return 0
    if args and args[0] == "allow":
        need_root("ufw")
        rule = " ".join(args)
        if rule in rules:
            print("Skipping adding existing rule")
        else:
            write_lines("ufw-rules", rules + [rule])
            print("Rule added")
        return 0
    if args and args[0] == "delete" and len(args) > 1:
        need_root("ufw")
        rule = " ".join(args[1:])
        if rule in rules:
            write_lines("ufw-rules", [r for r in rules if r != rule])
            print("Rule deleted")
        else:
            print("Could not delete non-existent rule")
        return 0
    print(f"ufw STAND-IN: unsupported command {args}", file=sys.stderr)
    return 1


def modprobe(args):
    names = [a for a in args if not a.startswith("-")]
    quiet = "-q" in args or "--quiet" in args
    if len(names) != 1:
        print("modprobe STAND-IN: one module name expected", file=sys.stderr)
        return 1
    m = names[0]
    if m in lines("modules-missing"):
        if not quiet:
            print(f"modprobe: FATAL: Module {m} not found in directory /lib/modules/{os.uname().release} (STAND-IN)", file=sys.stderr)
        return 1
    if "-n" not in args and os.getuid() == 0:
        loaded = lines("modules-loaded")
        if m not in loaded:
            write_lines("modules-loaded", loaded + [m])
    return 0


# apt-get options whose value is the next argument (apt-get(8)): `-o DPkg::Lock::Timeout=600 install x`.
APT_VALUE_OPTIONS = ("-o", "--option", "-c", "--config-file", "-t", "--target-release")


def package_manager(tool, args):
    plain, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif tool == "apt-get" and a in APT_VALUE_OPTIONS:
            skip = True
        else:
            plain.append(a)
    verbs = [a for a in plain if not a.startswith("-")]
    if not verbs:
        return 1
    verb, names = verbs[0], verbs[1:]
    if verb in ("update", "refresh", "makecache") or (tool == "pacman" and "-Sy" in args and not names):
        return 0
    install = verb == "install" or (tool == "pacman" and any(a.startswith("-S") for a in args))
    if tool == "pacman":
        names = verbs
    if not install:
        print(f"{tool} STAND-IN: unsupported {args}", file=sys.stderr)
        return 1
    need_root(tool)
    installed = lines("installed-packages")
    for name in names:
        provides = os.path.join(OS, "packages", name)
        if not os.path.exists(provides):
            msg = {"apt-get": f"E: Unable to locate package {name}", "zypper": f"No provider of '{name}' found.",
                   "pacman": f"error: target not found: {name}"}.get(tool, f"No match for argument: {name}")
            print(f"{msg} (STAND-IN)", file=sys.stderr)
            return 100 if tool == "apt-get" else 104 if tool == "zypper" else 1
        gone = set(lines(f"packages/{name}"))
        write_lines("modules-missing", [m for m in lines("modules-missing") if m not in gone])
        if name not in installed:
            installed.append(name)
        print(f"Installed {name} (package-manager STAND-IN)")
    write_lines("installed-packages", installed)
    return 0


def main():
    tool = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    record(tool, args)
    if tool == "firewall-cmd":
        return firewall_cmd(args)
    if tool == "ufw":
        return ufw(args)
    if tool == "getenforce":
        mode = (lines("selinux") or ["Disabled"])[0]
        print(mode)
        return 0
    if tool == "modprobe":
        return modprobe(args)
    if tool in ("apt-get", "dnf", "yum", "zypper", "pacman"):
        return package_manager(tool, args)
    if tool == "rpm":
        if len(args) == 2 and args[0] == "-q":
            ok = args[1] in lines("installed-packages")
            print(args[1] if ok else f"package {args[1]} is not installed")
            return 0 if ok else 1
        return 1
    if tool == "nmcli":
        return 0 if args[:2] == ["general", "reload"] else 1
    print(f"host-OS STAND-IN: unknown tool {tool}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
