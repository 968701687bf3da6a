"""The Doctor's day: today's list for one doctor, the waiting queue, and the visit workflow."""
