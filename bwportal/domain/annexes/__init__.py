"""The annexes of a progress report: advisory visits, training, the committee."""
