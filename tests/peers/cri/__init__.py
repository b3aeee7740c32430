"""A minimal CRI (runtime.v1) client for the containerd peer tests."""
