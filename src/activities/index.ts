import { blockActivities } from './blocks';
import { bookActivities } from './book';
import type { ActivityDeps } from './deps';
import { fileActivities } from './files';
import { orderActivities } from './orders';
import { reviewActivities } from './review';

/** Every activity of the trading day, bound to its dependencies (database, custodian, files). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...bookActivities(deps),
    ...orderActivities(deps),
    ...reviewActivities(deps),
    ...fileActivities(deps),
    ...blockActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
