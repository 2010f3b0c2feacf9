"""`OperatorError`: a condition the operator must fix, told in one Indonesian line, no traceback.

Raised anywhere below the CLI (key guard, instance lock, opening the database, webhook secret);
`python -m bot` prints its message on stderr and exits with status 1.
"""

from __future__ import annotations


class OperatorError(Exception):
    """`str(error)` is the one line the operator reads."""
