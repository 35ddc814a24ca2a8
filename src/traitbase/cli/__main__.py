"""``python -m traitbase.cli`` runs the same command as the ``traitbase`` script."""

from traitbase.cli.main import main

main()
