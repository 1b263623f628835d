# livetune — build, test, demo and benchmarks.
#
#   make deps     install what is missing (apt-get as root; otherwise prints the command)
#   make build    the executor jar, then the collection tarball build/livetune-process-VERSION.tar.gz
#   make install  install that tarball into ./build/collections (ansible.cfg points there)
#   make test     every test: JUnit (JDK 17, then 25), collection build, version check, yamllint +
#                 ansible-lint, ansible-test sanity and units, ansible tests (local + SSH; a subset
#                 again on JDK 25), molecule scenarios
#   make demo     raise the backlog and buffers of a running daemon, live
#   make bench    the benchmarks (figures printed, never asserted)
#   make sanity   build, install, then ansible-test sanity on the installed collection, offline
#   make clean

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

ROOT        := $(CURDIR)
VERSION     := $(shell sed -n 's/^version:[[:space:]]*\([^[:space:]#]*\).*/\1/p' galaxy.yml)
JAR         := java-executor/target/livetune-executor.jar
COLL_SRC    := ansible_collection
COLL_DIR    := build/collection
TARBALL     := build/livetune-process-$(VERSION).tar.gz
INSTALL_DIR := build/collections
INSTALLED   := $(INSTALL_DIR)/ansible_collections/livetune/process
MVN         := mvn -B -ntp -Dstyle.color=never
# JUnit goal run by `make test`; `verify` also runs tests bound after `package`.
MVN_TEST_GOAL ?= test
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
export PYTHONDONTWRITEBYTECODE := 1

# $(call header,TEXT): a visible step header
header = @if [ -t 1 ]; then b='\033[1m' n='\033[0m'; else b= n=; fi; \
  printf "\n$${b}==== %s ====$${n}  (%s)\n" '$(1)' "$$(date +%H:%M:%S)"

.PHONY: all deps build jar collection install test test-junit test-version test-docs test-lint \
        test-sanity test-units test-ansible test-molecule demo bench sanity changelog clean help \
        test-junit-jdk25 test-ansible-jdk25

all: build

help:
	@sed -n '3,12p' Makefile | sed 's/^# \{0,1\}//'

deps:
	$(call header,deps: checking for maven / JDK / ansible / sshd / tools)
	@build-aux/deps.sh $(DEPS_FOR)

# --- build ----------------------------------------------------------------------------

jar:
	$(call header,build: executor jar (mvn package -DskipTests))
	$(MVN) -q package -DskipTests
	@test -s $(JAR) || { echo "no $(JAR) after the Maven build" >&2; exit 1; }
	@ls -l $(JAR)

collection: jar
	$(call header,build: collection tarball $(TARBALL))
	@test -d $(COLL_SRC) || { echo "$(COLL_SRC)/ does not exist yet" >&2; exit 1; }
	@test -n "$(VERSION)" || { echo "no version in galaxy.yml" >&2; exit 1; }
	mkdir -p $(COLL_SRC)/files
	cp $(JAR) $(COLL_SRC)/files/livetune-executor.jar
	rm -rf $(COLL_DIR) && mkdir -p $(COLL_DIR)
	cp -a $(COLL_SRC)/. $(COLL_DIR)/
	cp galaxy.yml $(COLL_DIR)/galaxy.yml
	@# ansible-galaxy wants the readme (galaxy.yml `readme:`) in the collection root: the
	@# repository's README, the one text that says what the collection does
	cp README.md $(COLL_DIR)/README.md
	@test -f $(COLL_DIR)/LICENSE || cp LICENSE $(COLL_DIR)/LICENSE
	find $(COLL_DIR) \( -name __pycache__ -o -name '*.pyc' \) -prune -exec rm -rf {} +
	rm -f build/livetune-process-*.tar.gz
	ansible-galaxy collection build --force --output-path build/ $(COLL_DIR)
	@ls -l $(TARBALL)

build: collection

# `make -j build install`: install still waits for the build
install: | $(if $(filter build collection,$(MAKECMDGOALS)),collection)
	$(call header,install: $(TARBALL) into ./$(INSTALL_DIR))
	@test -f $(TARBALL) || { echo "$(TARBALL) is missing: run 'make build' first" >&2; exit 1; }
	ansible-galaxy collection install --force -p ./$(INSTALL_DIR) $(TARBALL)
	@ansible-galaxy collection list livetune.process 2>/dev/null | grep -E 'livetune\.process' || \
	  { echo "livetune.process is not visible through ansible.cfg" >&2; exit 1; }

# --- tests ----------------------------------------------------------------------------

# Each step is its own make run, in order; the first failure stops `make test`.
test:
	@start=$$(date +%s); \
	for step in deps test-junit test-junit-jdk25 build install test-version test-docs test-lint test-sanity \
	            test-units test-ansible test-ansible-jdk25 test-molecule; do \
	  $(MAKE) $$step || { printf '\nmake test: FAILED in step %s\n' "$$step"; exit 1; }; \
	done; \
	printf '\nmake test: all steps passed (%ss)\n' "$$(( $$(date +%s) - start ))"

test-junit:
	$(call header,test: JUnit (mvn $(MVN_TEST_GOAL)))
	$(MVN) $(MVN_TEST_GOAL)

# The same tests on the newest LTS the executor supports (README "Testing"): every JUnit suite
# in test JVMs of JDK25_HOME (surefire's jvm; the child JVMs the tests start take theirs), and
# the socket_option and memory_lock ansible tests with livetune_java = its java. A machine
# without that JDK skips both and says why; CI (CI set, as .ci/run does) fails instead, so the
# claim of README "Testing" cannot quietly lapse.
JDK25_HOME ?= /usr/lib/jvm/temurin-25-jdk-amd64
JDK25_ANSIBLE_TESTS ?= ^(ad hoc|playbook|memory_lock: |java: )
need_jdk25 = if [ ! -x $(JDK25_HOME)/bin/java ]; then \
  why="no JDK 25 at $(JDK25_HOME) (JDK25_HOME=...; build-aux/deps.sh says how to get one)"; \
  if [ -n "$${CI:-}" ]; then echo "$$why" >&2; exit 1; fi; echo "SKIPPED: $$why"; exit 0; fi

test-junit-jdk25:
	$(call header,test: JUnit on JDK 25 (mvn $(MVN_TEST_GOAL), test JVMs from $(JDK25_HOME)))
	@$(need_jdk25); set -x; \
	$(MVN) $(MVN_TEST_GOAL) -Djvm=$(JDK25_HOME)/bin/java -Dlivetune.it.java_feature=25

test-ansible-jdk25:
	$(call header,test: ansible tests on JDK 25 (those named by JDK25_ANSIBLE_TESTS))
	@$(need_jdk25); \
	LIVETUNE_TEST_JAVA=$(JDK25_HOME)/bin/java LIVETUNE_TESTS='$(JDK25_ANSIBLE_TESTS)' bash tests/ansible/run.sh

test-version:
	$(call header,test: galaxy.yml version == pom.xml version)
	@pom=$$(python3 -c 'import xml.etree.ElementTree as E; ns={"m":"http://maven.apache.org/POM/4.0.0"}; print(E.parse("pom.xml").getroot().find("m:version",ns).text.strip())'); \
	 mod=$$(python3 -c 'import xml.etree.ElementTree as E; ns={"m":"http://maven.apache.org/POM/4.0.0"}; r=E.parse("java-executor/pom.xml").getroot(); v=r.find("m:version",ns); print((v if v is not None else r.find("m:parent/m:version",ns)).text.strip())'); \
	 test -f $(TARBALL) || { echo "$(TARBALL) is missing: run 'make build' first" >&2; exit 1; }; \
	 man=$$(tar -xzOf $(TARBALL) MANIFEST.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["collection_info"]["version"])'); \
	 echo "pom.xml: $$pom  java-executor/pom.xml: $$mod  galaxy.yml: $(VERSION)  tarball MANIFEST.json: $$man"; \
	 [ "$$pom" = "$(VERSION)" ] && [ "$$mod" = "$(VERSION)" ] && [ "$$man" = "$(VERSION)" ] || \
	   { echo "version mismatch: keep galaxy.yml's version equal to the pom's" >&2; exit 1; }

test-docs:
	$(call header,test: module docs list exactly what the executor accepts)
	@# Debian's python3 (it has PyYAML, as ansible needs it); a pyenv python3 may not
	/usr/bin/python3 tests/docs/check_module_docs.py $(JAR)

test-lint:
	$(call header,test: yamllint + ansible-lint + changelog fragments)
	yamllint --strict .
	/usr/bin/python3 tests/changelog/check_changelog.py $(COLL_SRC) $(VERSION)
	@# ansible-lint (.ansible-lint: the production profile) resolves livetune.process through
	@# ansible.cfg: needs `make install` first
	ansible-lint --nocolor -q molecule/ demo/ $(COLL_SRC)/roles/

# CHANGELOG.rst from changelogs/ (after adding a fragment; see docs/development.md)
changelog:
	/usr/bin/python3 tests/changelog/check_changelog.py --write $(COLL_SRC) $(VERSION)

test-ansible:
	$(call header,test: ansible tests (tests/ansible/run.sh))
	@if [ -x tests/ansible/run.sh ]; then \
	  tests/ansible/run.sh; \
	elif [ -f tests/ansible/run.sh ]; then \
	  bash tests/ansible/run.sh; \
	else \
	  echo "SKIPPED: tests/ansible/run.sh does not exist yet"; \
	fi

test-molecule:
	$(call header,test: molecule scenarios (prepare/converge/idempotence/verify/cleanup))
	@n=0; for d in molecule/*/; do \
	  s=$$(basename $$d); [ -f $$d/converge.yml ] || continue; n=$$((n+1)); \
	  molecule/run-scenario.sh $$s; \
	done; [ $$n -gt 0 ] || { echo "no molecule scenario found" >&2; exit 1; }

# --- demo, bench ----------------------------------------------------------------------

demo:
	@$(MAKE) deps build install
	$(call header,demo)
	@demo/demo.sh

bench:
	@$(MAKE) deps DEPS_FOR=bench
	@$(MAKE) build install
	$(call header,bench)
	@bench/run.sh

# ansible-test sanity (validate-modules, pylint, pep8, shellcheck, yamllint...) on the
# collection as installed, offline: build-aux/ansible-test.sh gives ansible-test the venvs
# it would pip-install its linters into, ready-made over Debian's packages (`make deps`).
# changelog is skipped: it needs antsibull-changelog, which Debian does not package
# (tests/changelog/check_fragments.py checks the fragments instead, in test-lint).
# See docs/development.md for what runs and what cannot.
sanity:
	@$(MAKE) build install
	@$(MAKE) test-sanity

test-sanity:
	$(call header,test: ansible-test sanity (offline))
	@test -d $(INSTALLED) || { echo "$(INSTALLED) is missing: run 'make build install' first" >&2; exit 1; }
	build-aux/ansible-test.sh sanity $(INSTALLED) --skip-test changelog

# Unit tests of the controller half (plugins/plugin_utils, plugins/action), with pytest from
# Debian; the tests live in ansible_collection/tests/unit and run from the installed copy.
test-units:
	$(call header,test: ansible-test units (controller half))
	@test -d $(INSTALLED) || { echo "$(INSTALLED) is missing: run 'make build install' first" >&2; exit 1; }
	build-aux/ansible-test.sh units $(INSTALLED)

# --- virtual machines (build-aux/vm/README.md) ------------------------------------------
# Test classes run inside a throwaway Debian 12 VM on that architecture's Debian kernel, from a
# cached image (made once with mmdebstrap). Not part of `make test`: see docs/portability.md
# for how long they take. test-aarch64: the ptrace engine's suites on aarch64 (qemu TCG);
# test-vm: the classes that need an x86_64 machine of their own (KVM), build-aux/vm/x86_64.runs.
.PHONY: test-aarch64 test-vm
test-aarch64:
	@$(MAKE) deps DEPS_FOR=vm
	$(call header,test: the engine suites in a Debian arm64 VM (build-aux/vm/aarch64.runs))
	build-aux/vm/run-suites.sh --arch aarch64 --runs-file build-aux/vm/aarch64.runs

test-vm:
	@$(MAKE) deps DEPS_FOR=vm
	$(call header,test: classes that need an x86_64 VM of their own (build-aux/vm/x86_64.runs))
	build-aux/vm/run-suites.sh --arch x86_64 --runs-file build-aux/vm/x86_64.runs

clean:
	$(call header,clean)
	-$(MVN) -q clean
	rm -rf build $(COLL_SRC)/files/livetune-executor.jar
