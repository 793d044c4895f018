"""The subcommands of `vmfex-engine`, one module each, each registering its own parser."""
