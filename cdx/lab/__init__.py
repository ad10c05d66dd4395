"""The experiments on top of the library: the Fashion-MNIST testbed, its benchmarks, tables and studies (imported by nothing in the library)."""
