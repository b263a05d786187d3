"""Progress of a benchmark sweep on stderr, one complete line per finished
run (logs and terminals alike): "[3/16] shm strong -np 4: 1.23 s/epoch -
1m05s elapsed, about 4m20s left". The estimate assumes the remaining runs
take as long as the finished ones did on average."""
import sys
import time


def _clock(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class SweepProgress:
    def __init__(self, name, total, what):
        self.name, self.total, self.finished = name, total, 0
        self.start = time.monotonic()
        print(f"{name}: {total} {what}", file=sys.stderr, flush=True)

    def done(self, text):
        self.finished += 1
        elapsed = time.monotonic() - self.start
        left = elapsed / self.finished * (self.total - self.finished)
        tail = f", about {_clock(left)} left" if self.finished < self.total else ""
        print(f"{self.name}: [{self.finished}/{self.total}] {text} - {_clock(elapsed)} elapsed{tail}",
              file=sys.stderr, flush=True)
