#!/usr/bin/python3
"""The module documentation must say what the executor does.

The option registry (Java) and the module's JSON Schema are the one place each fact lives;
the DOCUMENTATION block of plugins/modules/socket_option.py repeats them for ansible-doc.
This test fails when the two disagree: an option documented but unknown to the executor,
one the executor knows but the docs do not show, or a different type or choice list.

Usage: check_module_docs.py JAR   (prints 'N passed, M failed'; exit 1 on any failure)
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULE_DOC = ROOT / "ansible_collection/plugins/modules/socket_option.py"
# Task arguments the action plugin handles on the controller; the executor never sees them.
CONTROLLER_ONLY = {"java_executable"}
JSON_TO_ANSIBLE = {"integer": "int", "boolean": "bool", "string": "str", "object": "dict"}


def documentation():
    tree = ast.parse(MODULE_DOC.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION in %s" % MODULE_DOC)


def executor(jar, *args):
    return json.loads(subprocess.run(["java", "-jar", jar, *args], check=True,
                                     capture_output=True, text=True).stdout)


def main(jar):
    docs = documentation()["options"]
    schema = executor(jar, "schema", "socket_option")["properties"]
    registry = {o["name"]: o for o in executor(jar, "options", "--json")}
    failures = []
    checks = 0

    def check(ok, message):
        nonlocal checks
        checks += 1
        if not ok:
            failures.append(message)

    documented = set(docs) - CONTROLLER_ONLY
    accepted = {name for name in schema if not name.startswith("_")}
    check(documented == accepted, "task arguments: documented but not accepted: %s; accepted but not documented: %s"
          % (sorted(documented - accepted), sorted(accepted - documented)))

    for name in sorted(documented & accepted):
        if "enum" in schema[name]:
            check(sorted(docs[name].get("choices", [])) == sorted(schema[name]["enum"]),
                  "%s: documented choices %s, schema %s" % (name, docs[name].get("choices"), schema[name]["enum"]))

    suboptions = docs["options"]["suboptions"]
    check(list(suboptions) == list(registry),
          "options: documented %s, registry %s (same names, same order)" % (list(suboptions), list(registry)))
    for name in set(suboptions) & set(registry):
        expected = JSON_TO_ANSIBLE[registry[name]["type"]]
        check(suboptions[name].get("type") == expected,
              "options.%s: documented type %s, registry %s" % (name, suboptions[name].get("type"), expected))

    for failure in failures:
        print("FAIL:", failure)
    print("%d passed, %d failed" % (checks - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
