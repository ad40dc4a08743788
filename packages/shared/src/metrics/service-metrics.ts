import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

/** One entry of a service's metric table: the metric, made in the service's registry when the table is built. */
export interface MetricDeclaration<M> {
  make(registry: Registry): M;
}

/** A metric's prom-client configuration, less the registries: a table's metrics go to its service's. */
type Declared<C> = Omit<C, 'registers'>;

/** A counter of a metric table. */
export function counter<const L extends string>(
  config: Declared<CounterConfiguration<L>>,
): MetricDeclaration<Counter<L>> {
  return { make: (registry) => new Counter({ ...config, registers: [registry] }) };
}

/** A gauge of a metric table; one read at scrape time sets itself in `collect`. */
export function gauge<const L extends string>(
  config: Declared<GaugeConfiguration<L>>,
): MetricDeclaration<Gauge<L>> {
  return { make: (registry) => new Gauge({ ...config, registers: [registry] }) };
}

/** A histogram of a metric table. */
export function histogram<const L extends string>(
  config: Declared<HistogramConfiguration<L>>,
): MetricDeclaration<Histogram<L>> {
  return { make: (registry) => new Histogram({ ...config, registers: [registry] }) };
}

/** The metrics a table declares, by the table's keys. */
export type MetricsOf<T extends Record<string, MetricDeclaration<unknown>>> = {
  [K in keyof T]: T[K] extends MetricDeclaration<infer M> ? M : never;
};

/**
 * A service's Prometheus metrics (the api's, the worker's), in a registry of its own rather than prom-client's
 * global one (tests run several services in one process), with Node's process metrics named after `prefix`.
 * A subclass declares its metrics in one table, built by {@link ServiceMetrics.inRegistry}.
 */
export abstract class ServiceMetrics {
  readonly registry = new Registry();

  protected constructor(prefix: string) {
    collectDefaultMetrics({ register: this.registry, prefix });
  }

  /** The table's metrics, made in this service's registry. */
  protected inRegistry<T extends Record<string, MetricDeclaration<unknown>>>(table: T): MetricsOf<T> {
    const made = Object.entries(table).map(([key, declared]) => [key, declared.make(this.registry)]);
    return Object.fromEntries(made) as MetricsOf<T>;
  }

  /** The text exposition format, for `GET /metrics`. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
