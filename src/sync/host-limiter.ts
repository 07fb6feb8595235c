/**
 * At most `limit` requests in flight per origin (scheme://host:port), shared by every sync of the
 * server so several people's syncs against one provider still stay polite. A plain FIFO semaphore.
 */
export interface HostLimiter {
  run<T>(origin: string, work: () => Promise<T>): Promise<T>;
}

export const DEFAULT_PER_HOST_CONCURRENCY = 4;

export function hostLimiter(limit = DEFAULT_PER_HOST_CONCURRENCY): HostLimiter {
  const hosts = new Map<string, { active: number; waiting: (() => void)[] }>();
  return {
    async run(origin, work) {
      let host = hosts.get(origin);
      if (!host) hosts.set(origin, (host = { active: 0, waiting: [] }));
      const slot = host;
      if (slot.active >= limit) await new Promise<void>((resolve) => slot.waiting.push(resolve));
      else slot.active++;
      try {
        return await work();
      } finally {
        // Hand the slot straight to the next waiter (active stays), or give it back.
        const next = slot.waiting.shift();
        if (next) next();
        else if (--slot.active === 0) hosts.delete(origin);
      }
    },
  };
}
