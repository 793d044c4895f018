"""Engine-side tool `vmfex-engine`: register the vmfex custom property and set maps."""
