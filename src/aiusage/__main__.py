"""``python -m aiusage`` runs the CLI."""

from aiusage.cli import main

if __name__ == "__main__":
    main()
