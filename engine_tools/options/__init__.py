"""Options of vmfex-engine: one table feeding argparse and ovirt.conf sections."""
