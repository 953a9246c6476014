"""``python -m rulekit``: the same command line as the ``rulekit`` script."""

from rulekit.cli import main

if __name__ == "__main__":
    main()
