"""`python -m kerasvision ...`: the same as the `kerasvision` command."""

from kerasvision.cli.main import main

if __name__ == "__main__":
    main()
