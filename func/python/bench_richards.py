"""
Richards: Martin Richards' simulation of an operating system's task scheduler, the classic
object-heavy benchmark (task control blocks, packets, queues, many small method calls).
Written here from the benchmark's description; a run is checked by its queue and hold counts.
The input, if any, is the number of runs (default 3); the output is the time per run in ms.
"""
import time

from pyfaasm.core import read_input, write_output

COUNT = 10000
EXPECTED_QPKT = 23246
EXPECTED_HOLD = 9297

IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(1, 7)
KIND_DEVICE, KIND_WORK = 0, 1
BUFSIZE = 4
ALPHABET = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"

PKT_BIT, WAIT_BIT, HOLD_BIT = 1, 2, 4


class Packet:
    __slots__ = ("link", "ident", "kind", "datum", "data")

    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE


def append(packet, queue):
    """Adds a packet to the end of a queue; returns the queue's head."""
    packet.link = None
    if queue is None:
        return packet
    p = queue
    while p.link is not None:
        p = p.link
    p.link = packet
    return queue


class Task:
    __slots__ = ("link", "ident", "priority", "queue", "state", "sched", "v1", "v2")

    def __init__(self, sched, ident, priority, queue, state, v1, v2):
        self.sched = sched
        self.link = sched.tasks
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.state = state
        self.v1 = v1
        self.v2 = v2
        sched.tasks = self
        sched.table[ident] = self

    def run(self, packet):
        raise NotImplementedError


class IdleTask(Task):
    def run(self, packet):
        s = self.sched
        self.v2 -= 1
        if self.v2 == 0:
            return s.hold_self()
        if self.v1 & 1 == 0:
            self.v1 >>= 1
            return s.release(DEVICE_A)
        self.v1 = (self.v1 >> 1) ^ 0xD008
        return s.release(DEVICE_B)


class WorkTask(Task):
    def run(self, packet):
        s = self.sched
        if packet is None:
            return s.wait()
        self.v1 = HANDLER_A + HANDLER_B - self.v1
        packet.ident = self.v1
        packet.datum = 0
        for i in range(BUFSIZE):
            self.v2 += 1
            if self.v2 > 26:
                self.v2 = 1
            packet.data[i] = ALPHABET[self.v2]
        return s.queue_packet(packet)


class HandlerTask(Task):
    """v1 is its queue of work packets, v2 its queue of device packets."""

    def run(self, packet):
        s = self.sched
        if packet is not None:
            if packet.kind == KIND_WORK:
                self.v1 = append(packet, self.v1)
            else:
                self.v2 = append(packet, self.v2)
        if self.v1 is not None:
            work = self.v1
            count = work.datum
            if count >= BUFSIZE:
                self.v1 = work.link
                return s.queue_packet(work)
            if self.v2 is not None:
                device = self.v2
                self.v2 = device.link
                device.datum = work.data[count]
                work.datum = count + 1
                return s.queue_packet(device)
        return s.wait()


class DeviceTask(Task):
    def run(self, packet):
        s = self.sched
        if packet is None:
            if self.v1 is None:
                return s.wait()
            packet, self.v1 = self.v1, None
            return s.queue_packet(packet)
        self.v1 = packet
        return s.hold_self()


class Scheduler:
    def __init__(self):
        self.tasks = None
        self.table = [None] * 7
        self.current = None
        self.queue_count = 0
        self.hold_count = 0

    def wait(self):
        self.current.state |= WAIT_BIT
        return self.current

    def hold_self(self):
        self.hold_count += 1
        self.current.state |= HOLD_BIT
        return self.current.link

    def release(self, ident):
        t = self.table[ident]
        t.state &= ~HOLD_BIT
        return t if t.priority > self.current.priority else self.current

    def queue_packet(self, packet):
        t = self.table[packet.ident]
        self.queue_count += 1
        packet.link = None
        packet.ident = self.current.ident
        if t.queue is None:
            t.queue = packet
            t.state |= PKT_BIT
            if t.priority > self.current.priority:
                return t
        else:
            t.queue = append(packet, t.queue)
        return self.current

    def schedule(self):
        t = self.tasks
        while t is not None:
            packet = None
            if t.state == WAIT_BIT | PKT_BIT:
                packet = t.queue
                t.queue = packet.link
                t.state = PKT_BIT if t.queue is not None else 0
            if t.state & (WAIT_BIT | HOLD_BIT):
                t = t.link
                continue
            self.current = t
            t = t.run(packet)


def richards():
    s = Scheduler()
    IdleTask(s, IDLE, 0, None, 0, 1, COUNT)
    q = Packet(Packet(None, 0, KIND_WORK), 0, KIND_WORK)
    WorkTask(s, WORKER, 1000, q, WAIT_BIT | PKT_BIT, HANDLER_A, 0)
    q = Packet(Packet(Packet(None, DEVICE_A, KIND_DEVICE), DEVICE_A, KIND_DEVICE), DEVICE_A, KIND_DEVICE)
    HandlerTask(s, HANDLER_A, 2000, q, WAIT_BIT | PKT_BIT, None, None)
    q = Packet(Packet(Packet(None, DEVICE_B, KIND_DEVICE), DEVICE_B, KIND_DEVICE), DEVICE_B, KIND_DEVICE)
    HandlerTask(s, HANDLER_B, 3000, q, WAIT_BIT | PKT_BIT, None, None)
    DeviceTask(s, DEVICE_A, 4000, None, WAIT_BIT, None, None)
    DeviceTask(s, DEVICE_B, 5000, None, WAIT_BIT, None, None)
    s.schedule()
    return s.queue_count, s.hold_count


def faasm_main():
    raw = read_input()
    runs = int(raw) if raw.strip() else 3
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        counts = richards()
        times.append((time.perf_counter() - t0) * 1000)
        assert counts == (EXPECTED_QPKT, EXPECTED_HOLD), counts
    write_output("richards: {} runs, best {:.1f} ms, mean {:.1f} ms".format(runs, min(times), sum(times) / runs).encode())
    return 0


if __name__ == "__main__":
    import pyfaasm.core as core

    core.set_local_input_output(True)
    faasm_main()
    print(core.get_output().decode())
