"""The Scheduler tab: day and week grids, booking, walk-ins and the appointment workflow."""
