#!/usr/bin/python3
"""The module documentation must say what the executor does.

The option registry (Java) and the modules' JSON Schemas are the one place each fact lives;
the DOCUMENTATION (and RETURN) blocks of plugins/modules/*.py repeat them for ansible-doc.
This test fails when the two disagree: an argument documented but unknown to the executor,
one the executor takes but the docs do not show, a different type or choice list, an
option of the registry missing from socket_option's docs, or a socket_info result field
that the docs do not describe (socket_info is run, on sockets this test opens itself), or a
memory_lock result field that they do not describe (memory_lock is run in check mode, which
changes nothing, on a `sleep` this test starts), or a preload_wrapper result field that they do
not describe (preload_wrapper is run in check mode), or preload_wrapper's options taking other
names or values than socket_option's. Also: every module's attributes, its EXAMPLES, and that
ansible-doc renders it. tests/ansible does not check the docs again: this is the one docs check.

Usage: check_module_docs.py JAR   (prints 'N passed, M failed'; exit 1 on any failure)
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "ansible_collection/plugins/modules"
FRAGMENT = ROOT / "ansible_collection/plugins/doc_fragments/executor.py"


def controller_only():
    """Task arguments the action plugin handles on the controller (the executor never sees
    them): the options of the executor doc fragment, the one place that lists them."""
    block = re.search(r"DOCUMENTATION = r'''(.*?)'''", FRAGMENT.read_text(), re.S).group(1)
    return set(yaml.safe_load(block)["options"])


CONTROLLER_ONLY = controller_only()
# The attributes every module declares, and how much check and diff mode each supports.
ATTRIBUTES = {"action": "full", "async": "none", "become": "full", "platform": "full"}
CHECK_DIFF = {"socket_option": ("full", "full"), "socket_info": ("full", "none"),
              "memory_lock": ("full", "full"), "preload_wrapper": ("full", "full")}
JSON_TO_ANSIBLE = {"integer": "int", "boolean": "bool", "string": "str", "object": "dict"}
# A documented type that the schema's type allows too (a path is a string to the executor).
SAME_TYPE = {"path": "str"}
# RETURN fields of socket_info that appear only when something could not be read.
SOCKET_INFO_RARE = {"notes"}
# RETURN fields of socket_option's sockets that appear only for a socket other processes hold too.
SOCKET_OPTION_RARE = {"shared_with"}


def module_blocks(module):
    """DOCUMENTATION, EXAMPLES and RETURN of a module as ansible-doc renders them: with the
    collection's doc fragments merged in (the collection must be installed where the
    repository's ansible.cfg points, as `make install` does)."""
    name = "livetune.process." + module
    env = dict(os.environ, ANSIBLE_CONFIG=os.environ.get("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg")))
    rendered = json.loads(subprocess.run(["ansible-doc", "-t", "module", "-j", name], check=True, env=env,
                                         capture_output=True, text=True, cwd=ROOT).stdout)
    if name not in rendered:
        raise AssertionError("ansible-doc does not know %s: run make install first" % name)
    doc = rendered[name]
    # and the text a user reads renders too
    subprocess.run(["ansible-doc", "-t", "module", name], check=True, env=env, capture_output=True, cwd=ROOT)
    return {"DOCUMENTATION": doc["doc"], "EXAMPLES": yaml.safe_load(doc["examples"]), "RETURN": doc["return"]}


def executor(jar, *args, stdin=None):
    return json.loads(subprocess.run(["java", "-jar", jar, *args], check=True, input=stdin,
                                     capture_output=True, text=True).stdout)


def executor_module(jar, module, args):
    """`java -jar JAR ansible MODULE` with ARGS on stdin; exit status 1 is a failed task."""
    run = subprocess.run(["java", "-jar", jar, "ansible", module], input=json.dumps(args),
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):
        raise AssertionError("%s exited %d: %s" % (module, run.returncode, run.stderr))
    return json.loads(run.stdout)


def schema_type(prop):
    """The (type, elements) a schema property should be documented with."""
    kinds = prop.get("type")
    if kinds is None:
        return ("str", None) if "enum" in prop else ("raw", None)
    if isinstance(kinds, list):
        # [integer, array]: one value or a list of them, which Ansible documents as a list
        kinds = [k for k in kinds if k != "array"] if "array" in kinds else kinds
        if len(kinds) != 1:
            return ("raw", None)
        return ("list", JSON_TO_ANSIBLE[kinds[0]])
    if kinds == "array":
        items = prop.get("items", {}).get("type")
        return ("list", JSON_TO_ANSIBLE.get(items) if isinstance(items, str) else None)
    return (JSON_TO_ANSIBLE[kinds], None)


class Checks:
    def __init__(self):
        self.count = 0
        self.failures = []

    def __call__(self, ok, message):
        self.count += 1
        if not ok:
            self.failures.append(message)


def check_arguments(check, module, docs, schema):
    """Documented options == the schema's arguments, with the same choices and types."""
    documented = set(docs) - CONTROLLER_ONLY
    accepted = {name for name in schema if not name.startswith("_")}
    check(documented == accepted, "%s: task arguments: documented but not accepted: %s; accepted but not documented: %s"
          % (module, sorted(documented - accepted), sorted(accepted - documented)))

    for name in sorted(documented & accepted):
        if "enum" in schema[name]:
            # (str keys: a choice list may mix booleans and words, as preload_wrapper's trace does)
            check(sorted(docs[name].get("choices", []), key=str) == sorted(schema[name]["enum"], key=str),
                  "%s: %s: documented choices %s, schema %s"
                  % (module, name, docs[name].get("choices"), schema[name]["enum"]))
    return documented & accepted


def check_argument_types(check, module, docs, schema, names):
    for name in sorted(names):
        want, elements = schema_type(schema[name])
        got = docs[name].get("type", "str")
        check(SAME_TYPE.get(got, got) == want,
              "%s: %s: documented type %s, schema %s" % (module, name, got, want))
        if elements is not None:
            check(docs[name].get("elements") == elements,
                  "%s: %s: documented elements %s, schema %s" % (module, name, docs[name].get("elements"), elements))


def check_attributes(check, module, docs):
    check_mode, diff_mode = CHECK_DIFF[module]
    want = dict(ATTRIBUTES, check_mode=check_mode, diff_mode=diff_mode)
    got = {name: value.get("support") for name, value in docs.get("attributes", {}).items()}
    check(got == want, "%s: attributes %s, want %s" % (module, got, want))


def check_socket_option(check, jar, registry):
    blocks = module_blocks("socket_option")
    check_attributes(check, "socket_option", blocks["DOCUMENTATION"])
    docs = blocks["DOCUMENTATION"]["options"]
    schema = executor(jar, "schema", "socket_option")["properties"]
    names = check_arguments(check, "socket_option", docs, schema)
    check_argument_types(check, "socket_option", docs, schema, names)

    suboptions = docs["options"]["suboptions"]
    # (ansible-doc sorts the names, as it prints them: the order is the registry's business)
    check(sorted(suboptions) == sorted(registry),
          "socket_option: options: documented %s, registry %s (same names)" % (sorted(suboptions), sorted(registry)))
    for name in set(suboptions) & set(registry):
        expected = JSON_TO_ANSIBLE[registry[name]["type"]]
        check(suboptions[name].get("type") == expected,
              "socket_option: options.%s: documented type %s, registry %s" % (name, suboptions[name].get("type"), expected))

    # RETURN sockets: what the executor returns, in check mode, for a listener this test opens
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(7)
    try:
        result = executor_module(jar, "socket_option", {
            "pid": os.getpid(), "state": "listen", "local_port": listener.getsockname()[1], "backlog": 9,
            "_check_mode": True})
    finally:
        listener.close()
    if result.get("failed") or len(result.get("sockets", [])) != 1:
        raise AssertionError("socket_option in check mode on this test's listener: %s" % result)
    ret = blocks["RETURN"]
    documented = {k: v for k, v in ret["sockets"]["contains"].items() if k not in SOCKET_OPTION_RARE}
    check_returned(check, "socket_option RETURN sockets", documented, result["sockets"])
    check(set(ret) - {"drift", "persisted"} == set(result) - {"changed", "failed", "msg", "warnings", "diff"},
          "socket_option RETURN: %s, returned %s" % (sorted(ret), sorted(result)))

    uses = blocks["EXAMPLES"]
    check(all("livetune.process.socket_option" in task for task in uses),
          "socket_option EXAMPLES: every task uses the module")
    for task in uses:
        args = task.get("livetune.process.socket_option") or {}
        if isinstance(args, dict):
            check(set(args) <= set(docs), "socket_option EXAMPLES: undocumented arguments %s"
                  % sorted(set(args) - set(docs)))


def value_matches(json_type, value):
    return {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "object": lambda v: isinstance(v, dict),
    }[json_type](value)


def check_socket_info(check, jar, registry):
    blocks = module_blocks("socket_info")
    docs = blocks["DOCUMENTATION"]
    schema = executor(jar, "schema", "socket_info")["properties"]
    names = check_arguments(check, "socket_info", docs["options"], schema)
    check_argument_types(check, "socket_info", docs["options"], schema, names)

    # The selectors are socket_option's: documented the same way in both modules.
    option_docs = module_blocks("socket_option")["DOCUMENTATION"]["options"]
    for name in sorted(set(docs["options"]) & set(option_docs)):
        for key in ("type", "elements", "choices", "default"):
            check(docs["options"][name].get(key) == option_docs[name].get(key),
                  "socket_info: %s: %s %r, socket_option documents %r"
                  % (name, key, docs["options"][name].get(key), option_docs[name].get(key)))

    check_attributes(check, "socket_info", docs)

    # RETURN: every field the executor returns is documented, and the reverse.
    ret = blocks["RETURN"]["sockets"]["contains"]
    entries, sample_types = run_socket_info_on_own_sockets(jar)
    returned = set()
    for entry in entries.values():
        returned |= set(entry)
    check(set(ret) - SOCKET_INFO_RARE == returned - SOCKET_INFO_RARE,
          "socket_info RETURN sockets: documented but not returned: %s; returned but not documented: %s"
          % (sorted(set(ret) - SOCKET_INFO_RARE - returned), sorted(returned - SOCKET_INFO_RARE - set(ret))))
    for name in sorted(set(ret) & returned):
        want = {int: "int", str: "str", list: "list", dict: "dict", bool: "bool"}[sample_types[name]]
        check(ret[name].get("type") == want,
              "socket_info RETURN sockets.%s: documented type %s, returned %s" % (name, ret[name].get("type"), want))
    owner_fields = set()
    for entry in entries.values():
        for owner in entry["owners"]:
            owner_fields |= set(owner)
    check(set(ret["owners"].get("contains", {})) == owner_fields,
          "socket_info RETURN sockets.owners: documented %s, returned %s"
          % (sorted(ret["owners"].get("contains", {})), sorted(owner_fields)))

    # The options sample is a whole TCP IPv4 listener's, as the executor lists it: every
    # option of the registry that applies, each of the registry's type.
    sample = ret["options"].get("sample", {})
    listener_options = list(entries["listener"].get("options", {}))
    check(sorted(sample) == sorted(listener_options),
          "socket_info RETURN options sample: %s, a TCP listener's options: %s (same names)"
          % (sorted(sample), sorted(listener_options)))
    for name, value in sample.items():
        check(name in registry and value_matches(registry[name]["type"], value),
              "socket_info RETURN options sample: %s: %r is not a %s of the registry"
              % (name, value, registry.get(name, {}).get("type", "option")))
    for name, value in entries["listener"].get("options", {}).items():
        check(value_matches(registry[name]["type"], value),
              "socket_info returned options.%s = %r, the registry says %s" % (name, value, registry[name]["type"]))

    # The examples are tasks, and those that use the module give it documented arguments only.
    tasks = blocks["EXAMPLES"]
    uses = [t["livetune.process.socket_info"] for t in tasks if "livetune.process.socket_info" in t]
    check(len(uses) >= 4, "socket_info EXAMPLES: %d tasks use the module, want at least 4" % len(uses))
    for args in uses:
        check(set(args) <= set(docs["options"]),
              "socket_info EXAMPLES: undocumented arguments %s" % sorted(set(args) - set(docs["options"])))


def run_socket_info_on_own_sockets(jar):
    """socket_info's entries for a TCP listener, an established TCP connection and a UDP
    socket that this process opens itself (a process may always read its own sockets).
    Returns ({kind: entry}, {field: python type of its value})."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(7)
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    inodes = {kind: os.fstat(s.fileno()).st_ino for kind, s in
              (("listener", listener), ("established", server), ("udp", udp))}
    try:
        result = executor_module(jar, "socket_info", {"pid": os.getpid(), "strict": True})
    finally:
        for s in (server, client, listener, udp):
            s.close()
    if result.get("failed") or result.get("changed") is not False:
        raise AssertionError("socket_info on this test's own sockets: %s" % result)
    by_inode = {entry["inode"]: entry for entry in result["sockets"]}
    entries = {}
    for kind, inode in inodes.items():
        if inode not in by_inode:
            raise AssertionError("socket_info did not list this test's %s socket (inode %d): %s"
                                 % (kind, inode, result))
        entries[kind] = by_inode[inode]
    types = {}
    for entry in entries.values():
        for name, value in entry.items():
            types[name] = type(value)
    if entries["listener"].get("backlog") != 7:
        raise AssertionError("socket_info says the listener's backlog is %r, this test set 7"
                             % entries["listener"].get("backlog"))
    return entries, types


def python_type(value):
    """The RETURN type name of a returned JSON value (None: any, as for a null)."""
    if value is None:
        return None
    return {int: "int", str: "str", list: "list", dict: "dict", bool: "bool", float: "float"}[type(value)]


def check_returned(check, where, documented, returned):
    """RETURN's `contains` == the fields of the returned dicts, with the documented types.
    documented: {name: RETURN entry}; returned: a list of dicts."""
    fields = set()
    for entry in returned:
        fields |= set(entry)
    check(set(documented) == fields, "%s: documented but not returned: %s; returned but not documented: %s"
          % (where, sorted(set(documented) - fields), sorted(fields - set(documented))))
    for name in sorted(set(documented) & fields):
        got = {python_type(entry[name]) for entry in returned if name in entry} - {None}
        want = documented[name].get("type", "str")
        check(want == "raw" or got <= {want},
              "%s.%s: documented type %s, returned %s" % (where, name, want, sorted(got)))


def check_memory_lock(check, jar):
    blocks = module_blocks("memory_lock")
    docs = blocks["DOCUMENTATION"]
    options = docs["options"]
    schema = executor(jar, "schema", "memory_lock")["properties"]
    names = check_arguments(check, "memory_lock", options, schema)
    check_argument_types(check, "memory_lock", options, schema, names)

    check_attributes(check, "memory_lock", docs)
    check("linux" in docs.get("attributes", {}).get("platform", {}).get("platforms", ""),
          "memory_lock: platform must name linux")

    # RETURN: what the executor returns for a process, in check mode (nothing is changed,
    # the process is not even stopped) and without arguments beyond the selector, so the
    # result also shows the defaults the executor applies: they must be the documented ones.
    target = subprocess.Popen(["sleep", "600"])
    try:
        result = executor_module(jar, "memory_lock", {"pid": target.pid, "_check_mode": True, "_diff": True})
        # future: true adds before/after.future (the probe's answer: null here, as some mapping is unlocked)
        with_future = executor_module(jar, "memory_lock", {"pid": target.pid, "future": True, "_check_mode": True})
        with open("/proc/%d/status" % target.pid) as f:
            locked = [line.split()[1] for line in f if line.startswith("VmLck:")]
    finally:
        target.kill()
        target.wait()
    for run in (result, with_future):
        if run.get("failed") or len(run.get("processes", [])) != 1:
            raise AssertionError("memory_lock in check mode on a sleep this test started: %s" % run)
    check(locked == ["0"], "memory_lock in check mode locked memory (VmLck %s)" % locked)
    entry = result["processes"][0]
    check(entry["state"] == options["state"].get("default") and entry["scope"] == options["scope"].get("default"),
          "memory_lock: the executor's defaults are state %s, scope %s; documented %s, %s"
          % (entry["state"], entry["scope"], options["state"].get("default"), options["scope"].get("default")))
    ret = blocks["RETURN"]["processes"]["contains"]
    check_returned(check, "memory_lock RETURN processes", ret, [entry])
    before_docs = ret.get("before", {}).get("contains", {})
    future_entry = with_future["processes"][0]
    check_returned(check, "memory_lock RETURN processes.before", before_docs,
                   [entry["before"], entry["after"], future_entry["before"], future_entry["after"]])
    check_returned(check, "memory_lock RETURN processes.before.memlock_limit",
                   before_docs.get("memlock_limit", {}).get("contains", {}),
                   [entry["before"]["memlock_limit"], entry["after"]["memlock_limit"]])
    for name in ("before", "after"):
        sample = ret.get(name, {}).get("sample", {})
        check(set(sample) == set(entry[name]) and set(sample.get("memlock_limit", {})) == set(entry[name]["memlock_limit"]),
              "memory_lock RETURN processes.%s sample: %s, returned %s (same names)"
              % (name, sorted(sample), sorted(entry[name])))

    tasks = blocks["EXAMPLES"]
    uses = [t["livetune.process.memory_lock"] for t in tasks if "livetune.process.memory_lock" in t]
    check(len(uses) >= 5, "memory_lock EXAMPLES: %d tasks use the module, want at least 5" % len(uses))
    for args in uses:
        check(set(args) <= set(options),
              "memory_lock EXAMPLES: undocumented arguments %s" % sorted(set(args) - set(options)))
        for name, value in args.items():
            if "choices" in options.get(name, {}):
                check(value in options[name]["choices"],
                      "memory_lock EXAMPLES: %s: %r is not one of %s" % (name, value, options[name]["choices"]))


def check_preload_wrapper(check, jar, tmp):
    blocks = module_blocks("preload_wrapper")
    docs = blocks["DOCUMENTATION"]
    options = docs["options"]
    full = executor(jar, "schema", "preload_wrapper")["properties"]
    names = check_arguments(check, "preload_wrapper", options, full)
    check_argument_types(check, "preload_wrapper", options, full, names)

    # options: the registry's, exactly as socket_option takes them (one source: the registry)
    option_schema = executor(jar, "schema", "socket_option")["properties"]["options"]
    same = ("type", "additionalProperties", "properties")
    check(all(full["options"].get(k) == option_schema.get(k) for k in same),
          "preload_wrapper: options: the schema differs from socket_option's (it must be the registry's)")
    check(full["mlock"].get("anyOf") and options["mlock"].get("type") == "raw",
          "preload_wrapper: mlock: a dict or a list, documented as raw")

    check_attributes(check, "preload_wrapper", docs)
    check("linux" in docs.get("attributes", {}).get("platform", {}).get("platforms", ""),
          "preload_wrapper: platform must name linux")

    # RETURN: what the executor returns, in check mode (nothing is written): for a unit's
    # drop-in to remove, and for a wrapper to write (only where this jar carries the library)
    ret = blocks["RETURN"]
    runs = [executor_module(jar, "preload_wrapper", {"unit": "livetune-docs-check", "state": "absent", "_check_mode": True})]
    wrapper = executor_module(jar, "preload_wrapper", {
        "wrapper": os.path.join(tmp, "wrapped"), "command": ["sleep"], "backlog": 64,
        "library_dir": os.path.join(tmp, "lib"), "_check_mode": True})
    if wrapper.get("failed"):
        check("has no preload library for" in wrapper.get("msg", ""), "preload_wrapper in check mode failed: %s" % wrapper)
        print("note: this jar carries no preload library: preload_wrapper RETURN library not checked against a run")
    else:
        runs.append(wrapper)
    for run in runs:
        if run.get("failed"):
            raise AssertionError("preload_wrapper in check mode: %s" % run)
    protocol = {"changed", "failed", "msg", "warnings", "diff"}
    returned = set()
    for run in runs:
        returned |= set(run) - protocol
    conditional = {"library"} if len(runs) == 1 else set()
    conditional |= {"drift"}  # added by the action plugin on the controller (plugin_utils/drift.py)
    check(set(ret) - conditional == returned,
          "preload_wrapper RETURN: documented but not returned: %s; returned but not documented: %s"
          % (sorted(set(ret) - conditional - returned), sorted(returned - set(ret))))
    check_returned(check, "preload_wrapper RETURN files", ret["files"]["contains"],
                   [f for run in runs for f in run["files"]])
    if len(runs) > 1:
        check_returned(check, "preload_wrapper RETURN library", ret["library"]["contains"], [runs[1]["library"]])
    for name in sorted(set(ret) & returned):
        got = {python_type(run[name]) for run in runs if name in run} - {None}
        check(got <= {ret[name].get("type")}, "preload_wrapper RETURN %s: documented type %s, returned %s"
              % (name, ret[name].get("type"), sorted(got)))
    check(not os.listdir(tmp), "preload_wrapper in check mode wrote %s" % os.listdir(tmp))

    tasks = blocks["EXAMPLES"]
    uses = [t["livetune.process.preload_wrapper"] for t in tasks if "livetune.process.preload_wrapper" in t]
    check(len(uses) >= 5, "preload_wrapper EXAMPLES: %d tasks use the module, want at least 5" % len(uses))
    for args in uses:
        check(set(args) <= set(options),
              "preload_wrapper EXAMPLES: undocumented arguments %s" % sorted(set(args) - set(options)))
        for name, value in args.get("options", {}).items():
            check(name in option_schema["properties"], "preload_wrapper EXAMPLES: options.%s is no option" % name)


def main(jar):
    registry = {o["name"]: o for o in executor(jar, "options", "--json")}
    check = Checks()
    check_socket_option(check, jar, registry)
    check_socket_info(check, jar, registry)
    check_memory_lock(check, jar)
    with tempfile.TemporaryDirectory() as tmp:
        check_preload_wrapper(check, jar, tmp)

    for failure in check.failures:
        print("FAIL:", failure)
    print("%d passed, %d failed" % (check.count - len(check.failures), len(check.failures)))
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
