"""`python -m cdx`: the `cdx` command of `cdx.cli` (what `torchrun ... -m cdx distill` calls). Written by hand: nbdev cannot regenerate a module that only runs code."""
from cdx.cli import cdx_main

if __name__ == "__main__": cdx_main()
