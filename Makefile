# vdsm-hook-vmfex — see README.md. `make check` installs what it needs.
SHELL := /bin/bash
# Debian's python3: python3-lxml and python3-libvirt are built for it.
SYSTEM_PYTHON ?= /usr/bin/python3
VENV ?= .venv
PY := $(VENV)/bin/python
# python3-pycurl, not PyPI's pycurl wheel: the wheel bundles its own libcurl,
# OpenSSL, krb5 and libssh2, and libvirt loading the system's copies into the
# same process segfaults (as EL hosts and engines do, use the distro's build).
APT_PACKAGES := python3-venv python3-lxml python3-libvirt python3-cryptography python3-pycurl \
	libvirt-clients libvirt-dev pkg-config libxml2-dev libxml2-utils libxslt1-dev \
	libcurl4-openssl-dev libssl-dev rpm rpmlint cpio gcc python3-dev python3-yaml \
	python3-argparse-manpage
# The real-libvirtd test tier (tests/libvirtd): the monolithic libvirtd with its
# qemu and network drivers. Not libvirt-daemon-system: it pulls in systemd,
# udev, iptables and dnsmasq, and the tier runs its own private daemon.
LIBVIRTD_PACKAGES := libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 libvirt-clients
PY_SOURCES := vdsm_hook_vmfex engine_tools
# Byte-code caches (__pycache__, ignored by git and the tarball) as installed
# code has them: with PYTHONDONTWRITEBYTECODE set, every one of the hundreds
# of interpreters the tests start compiles this tree's modules again.
unexport PYTHONDONTWRITEBYTECODE
LINT_PATHS := vdsm_hook_vmfex engine_tools tests tools bench packaging/generate_docs.py

.PHONY: all deps apt qemu-user venv check lint test test-host test-engine test-libvirtd test-ansible-compat demo bench bench-engine dist srpm rpm clean

all: check

deps: apt qemu-user venv

apt:
	@missing=$$(for p in $(APT_PACKAGES) $(LIBVIRTD_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing >&2; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# libvirt's qemu driver refuses to load unless this user exists, even when
# qemu.conf says user = "root" (libvirt-daemon-system would create it).
qemu-user: apt
	@getent passwd libvirt-qemu >/dev/null || useradd --system --user-group \
		--no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin \
		--comment "Libvirt Qemu" libvirt-qemu

# Then this checkout, editable and without dependencies (they are above or
# Debian's): .venv/bin/vmfex-engine and .venv/bin/vmfex-direct-pool run the
# tree's code (docs/install.md). A .venv shared by several checkouts runs the
# one that ran this last; the tests never rely on it.
$(VENV)/.installed: requirements-dev.txt pyproject.toml
	@[ -x $(PY) ] || $(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: apt $(VENV)/.installed

lint: deps
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/vermin -q -t=3.6- --violations --no-tips --eval-annotations $(PY_SOURCES)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/ansible-lint --offline -q packaging/ansible

# Host side (libvirt) and engine side (ovirtsdk4, pycurl) in separate pytest
# processes, as they run in production: the two in one process crash at random.
HOST_TESTS := tests/test_architecture.py tests/readme tests/common tests/host tests/hook tests/pool tests/packaging
ENGINE_TESTS := tests/engine
# The real-libvirtd tier (marker libvirtd): the shipped Ansible role's tests
# need a real daemon too (the network must outlive each command).
LIBVIRTD_TESTS := tests/libvirtd tests/ansible

test: test-host test-engine

test-host: deps
	$(PY) -m pytest -q $(HOST_TESTS)

# The engine tests spend much of their time waiting (timeouts, a slow or
# silent simulated engine), so four workers (pytest-xdist) overlap the waits;
# ENGINE_WORKERS=0 runs them in this one process.
ENGINE_WORKERS ?= 4
test-engine: deps
	$(PY) -m pytest -q $(if $(filter-out 0,$(ENGINE_WORKERS)),-n $(ENGINE_WORKERS)) $(ENGINE_TESTS)

# Lint and the three test processes run side by side (each prints its own
# block when it ends): they share nothing but the machine, and together they
# take about as long as the slowest alone.
check: deps
	@$(MAKE) --no-print-directory -j4 --output-sync=target lint test-host test-engine test-libvirtd

# The real-libvirtd tier in its own pytest processes (two workers, each with
# its private libvirtd, see tests/libvirtd/daemon.py; LIBVIRTD_WORKERS=0 for
# one; the tests that start domains all run on one worker:
# tests/libvirtd/fixtures.py STARTS_DOMAINS). It prints how many of its tests
# ran; where it cannot run it says why in one line, and with CI=true a skip
# fails.
LIBVIRTD_WORKERS ?= 2
test-libvirtd: deps
	$(PY) -m pytest -q -rfE -p tests.libvirtd.tally $(if $(filter-out 0,$(LIBVIRTD_WORKERS)),-n $(LIBVIRTD_WORKERS) --dist loadgroup) \
		-m libvirtd $(LIBVIRTD_TESTS)

# The Ansible tests again with ansible-core 2.12, what older oVirt 4.5 engines
# run (not part of check: its own venv from PyPI).
ANSIBLE_COMPAT := 2.12.10
ANSIBLE_COMPAT_VENV := build/ansible-core-$(ANSIBLE_COMPAT)
test-ansible-compat: deps
	@[ -x $(ANSIBLE_COMPAT_VENV)/bin/ansible-playbook ] || { \
		$(SYSTEM_PYTHON) -m venv $(ANSIBLE_COMPAT_VENV) && \
		$(ANSIBLE_COMPAT_VENV)/bin/pip install -q --disable-pip-version-check \
			ansible-core==$(ANSIBLE_COMPAT); }
	VMFEX_ANSIBLE_PLAYBOOK=$(CURDIR)/$(ANSIBLE_COMPAT_VENV)/bin/ansible-playbook \
		$(PY) -m pytest -q -m libvirtd tests/ansible

demo: deps
	$(PY) tools/demo.py

bench: deps
	$(PY) bench/bench_hook.py

bench-engine: deps
	$(PY) bench/bench_engine.py

clean:
	rm -rf dist build *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +

# --- RPMs (packaging/; README.md, "Packages and deployment") -------------
# The version comes from vdsm_hook_vmfex/common/version.py through make-tarball.sh.
DIST_DIR ?= dist
RPM_TOPDIR ?= $(CURDIR)/build/rpmbuild
RPM_VERSION = $(shell packaging/make-tarball.sh --version)
# Debian's rpm database is empty, so rpmbuild would refuse every BuildRequires;
# where rpm knows itself (Fedora, EL) build dependencies are checked.
RPM_NODEPS = $(shell rpm -q rpm >/dev/null 2>&1 || echo --nodeps)
RPMBUILD = rpmbuild --define "_topdir $(RPM_TOPDIR)" $(RPM_NODEPS)

dist:
	packaging/make-tarball.sh $(DIST_DIR)

srpm: dist
	rm -rf $(RPM_TOPDIR)/{BUILD,BUILDROOT,RPMS,SOURCES,SPECS,SRPMS}
	rm -f $(DIST_DIR)/vdsm-hook-vmfex-*.src.rpm
	$(RPMBUILD) -ts $(DIST_DIR)/vdsm-hook-vmfex-$(RPM_VERSION).tar.gz
	cp $(RPM_TOPDIR)/SRPMS/vdsm-hook-vmfex-$(RPM_VERSION)-*.src.rpm $(DIST_DIR)/

rpm: srpm
	rm -f $(DIST_DIR)/vdsm-hook-vmfex*.noarch.rpm
	$(RPMBUILD) --rebuild $(DIST_DIR)/vdsm-hook-vmfex-$(RPM_VERSION)-*.src.rpm
	cp $(RPM_TOPDIR)/RPMS/noarch/vdsm-hook-vmfex*-$(RPM_VERSION)-*.noarch.rpm $(DIST_DIR)/
	packaging/make-tarball.sh --spec $(RPM_TOPDIR)/vdsm-hook-vmfex.spec
	@ls -1 $(DIST_DIR)/vdsm-hook-vmfex*.rpm
