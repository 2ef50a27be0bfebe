#!/usr/bin/env python
"""Django's manage.py; the ``fangkong`` console script does the same."""

from fangkong.cli import main

if __name__ == "__main__":
    main()
