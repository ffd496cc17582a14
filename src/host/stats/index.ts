// Builds the stats pipeline (store → refiner, insight runner, locator) from the services; what features receive.
import type * as vscode from 'vscode';
import { windowFor } from '../../core/timeRange';
import { WorkspaceIndex } from '../workspaceIndex';
import type { Services } from '../services';
import { InsightRunner } from './insightRunner';
import { IndexLocator } from './locator';
import { StatsStore } from './store';

export { InsightRunner, type FunctionFindings } from './insightRunner';
export { IndexLocator } from './locator';
export * from './store';

/** Builds the store and its ports from the services; everything is tied to the context. */
export function createStatsStore(context: vscode.ExtensionContext, services: Services): { store: StatsStore; insights: InsightRunner; index: WorkspaceIndex; locator: IndexLocator } {
  const index = new WorkspaceIndex({ log: services.log.child('index'), pathMappings: () => services.config.current.pathMappings });
  const locator = new IndexLocator(index, services);
  const source = () => services.sources.current();
  const store = new StatsStore({
    log: services.log.child('stats'),
    settings: () => {
      const c = services.config.current;
      return { timeRange: c.timeRange, filter: c.filter, refreshIntervalSeconds: c.refreshIntervalSeconds, thresholds: c.thresholds };
    },
    source,
    locator,
    symbols: locator,
    windowFor: (range, now) => windowFor(range, now),
  });
  const insights = new InsightRunner(store, { log: services.log.child('insights'), source, filter: () => services.config.current.filter });
  context.subscriptions.push(insights, store, locator, index);
  return { store, insights, index, locator };
}

/** What every surface feature receives (built by the composition root from the services). */
export interface SurfaceServices extends Services {
  readonly store: StatsStore;
}
