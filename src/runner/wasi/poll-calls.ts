/**
 * poll_oneoff: fd subscriptions are always ready (files and stdio never block); clock ones
 * become MONOTONIC deadlines (clocks.ts). When no fd is ready the thread sleeps to the nearest
 * deadline, and every clock then due is reported.
 */
import * as fs from 'node:fs';
import { EVENT_FD_HANGUP, Errno, EventType, SUBCLOCK_ABSTIME } from './abi.js';
import { deadlineOf, monotonicNs, sleepUntil } from './clocks.js';
import type { Calls, WasiContext } from './context.js';
import { errnoOf } from './errors.js';
import { fail } from './mounts.js';
import { Event, SubscriptionClock, SubscriptionFd } from './structs.js';

export function pollCalls(ctx: WasiContext): Calls {
  return {
    poll_oneoff: (inPtr: number, outPtr: number, count: number, neventsPtr: number) =>
      ctx.mem.setU32(neventsPtr, poll(ctx, inPtr, outPtr, count)),
  };
}

function poll(ctx: WasiContext, inPtr: number, outPtr: number, count: number): number {
  const { mem, fds } = ctx;
  if (count === 0) fail(Errno.INVAL);
  mem.bytes(inPtr, count * SubscriptionClock.size);
  mem.bytes(outPtr, count * Event.size);
  const ready: Event[] = [];
  const clocks: { userdata: bigint; deadline: bigint }[] = [];
  const event = (userdata: bigint, type: number): Event => ({ userdata, error: 0, type, nbytes: 0n, flags: 0 }); // prettier-ignore
  for (let i = 0; i < count; i++) {
    const at = inPtr + i * SubscriptionClock.size;
    const sub = mem.get(SubscriptionFd, at);
    const ev = event(sub.userdata, sub.type);
    if (sub.type === EventType.CLOCK) {
      const clock = mem.get(SubscriptionClock, at);
      const abs = (clock.flags & SUBCLOCK_ABSTIME) !== 0;
      try {
        clocks.push({ userdata: sub.userdata, deadline: deadlineOf(clock.id, clock.timeout, abs) });
      } catch (err) {
        ready.push({ ...ev, error: errnoOf(err) });
      }
    } else if (sub.type === EventType.FD_READ || sub.type === EventType.FD_WRITE) {
      if (!fds.has(sub.fd)) ev.error = Errno.BADF;
      else {
        const e = fds.get(sub.fd);
        if (sub.type === EventType.FD_READ && e.kind === 'file') {
          const size = fs.fstatSync(e.hostFd, { bigint: true }).size;
          ev.nbytes = size > BigInt(e.pos) ? size - BigInt(e.pos) : 0n;
        } else if (sub.type === EventType.FD_READ && e.kind === 'stdio') {
          ev.flags = EVENT_FD_HANGUP;
        }
      }
      ready.push(ev);
    } else {
      ready.push({ ...ev, error: Errno.INVAL });
    }
  }
  if (ready.length === 0 && clocks.length > 0) {
    sleepUntil(clocks.reduce((a, c) => (c.deadline < a ? c.deadline : a), clocks[0]!.deadline));
  }
  const now = monotonicNs();
  for (const c of clocks) if (c.deadline <= now) ready.push(event(c.userdata, EventType.CLOCK));
  ready.forEach((ev, i) => mem.put(Event, outPtr + i * Event.size, ev));
  return ready.length;
}
