"""``python -m krakenkit.cli``: the same as the ``krakenkit`` command."""

from krakenkit.cli.app import main

main()
