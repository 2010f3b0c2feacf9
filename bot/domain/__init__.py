"""The domain floor: statuses, NIK/KK, privacy, settings, time and words.

No I/O beyond reading its own data files; imports nothing of the floors above."""
