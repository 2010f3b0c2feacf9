"""Every sentence a person reads, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, one per feature (each owned by one part of the code): formatting, statuses and NIK
reasons, general (start/help), residents, staff, import, notifications and broadcasts.
"""

from __future__ import annotations

# --- formatting -------------------------------------------------------------------------------

# --- statuses and NIK reasons -----------------------------------------------------------------

# --- general: start, help, errors -------------------------------------------------------------

# --- residents --------------------------------------------------------------------------------

# --- staff and admins -------------------------------------------------------------------------

# --- import -----------------------------------------------------------------------------------

# --- notifications and broadcasts -------------------------------------------------------------
