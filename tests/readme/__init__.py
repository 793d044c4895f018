"""Every command the README shows is run by a test: this package extracts
them; tests/readme/test_readme.py checks links and claims every command,
tests/engine/test_readme_engine.py runs the vmfex-engine ones against the
simulators and tests/libvirtd/test_readme_host.py the vmfex-direct-pool ones
against a private libvirtd."""
