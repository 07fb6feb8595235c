import { sharedVaultCache } from '../fhir-api/vault-cache.ts';
import type { Instance } from '../instance/instance.ts';
import { buildDashboard } from './dashboard.ts';
import { healthRepository, type HealthRepository } from './health-repository.ts';
import { labOverview } from './labs.ts';
import { timelinePage } from './timeline.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * After `hearth serve` starts listening: each person's vault is opened into the server's shared
 * vault cache and their dashboard, first timeline page and lab overview are computed once and
 * thrown away. The first visit after a restart then finds those pages decrypted in SQLite's page
 * cache and the code compiled (issue 5 §9: with 100,000 records the first dashboard took ~1.1 s
 * cold, ~0.3 s warm). Nothing leaves this function and no audit entry is written: nobody read
 * anything. One page's queries per turn of the event loop, so a request arriving meanwhile waits
 * for one of them at most; a vault that cannot be opened is left for the request that needs it to
 * report. It stops as soon as `running()` turns false (the server is closing and its cache with it).
 * Returns how many people were warmed.
 */
export async function warmHealthPages(instance: Instance, running: () => boolean, now = () => new Date()): Promise<number> {
  const pages: ((repository: HealthRepository) => unknown)[] = [
    (repository) => buildDashboard(repository, { now: now(), sourceLabel: () => undefined }),
    (repository) => timelinePage(repository, {}, () => undefined),
    (repository) => labOverview(repository),
  ];
  let warmed = 0;
  people: for (const person of instance.people.list()) {
    try {
      let repository: HealthRepository | undefined;
      for (const page of pages) {
        await nextTurn();
        if (!running()) break people;
        repository ??= healthRepository(sharedVaultCache(instance.people).get(person.id).vault.db);
        page(repository);
      }
      warmed++;
    } catch {
      // A vault deleted meanwhile, or one that cannot be opened: its own request says why.
    }
  }
  return warmed;
}
