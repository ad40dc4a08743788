import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface Sample {
  labels?: Record<string, string>;
  value?: string;
}
interface MetricFamily {
  name: string;
  type: string;
  metrics: Sample[];
}

// The parser is a dev dependency of the worker (its tests use it too); e2e borrows it from there.
const fromWorker = createRequire(fileURLToPath(new URL('../../apps/worker/package.json', import.meta.url)));
const parsePrometheusTextFormat = fromWorker('parse-prometheus-text-format') as (
  text: string,
) => MetricFamily[];

// The parser folds every series of a histogram into one and drops their labels; without the TYPE line it
// reads `<name>_bucket`, `<name>_sum` and `<name>_count` as plain series, labels and all.
const HISTOGRAM_TYPE_LINE = /^# TYPE \S+ histogram$/gm;

/** GETs a Prometheus endpoint and parses it. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return new Scrape(await res.text());
}

export class Scrape {
  private readonly series: MetricFamily[];

  constructor(text: string) {
    this.series = parsePrometheusTextFormat(text.replace(HISTOGRAM_TYPE_LINE, ''));
  }

  /** The sum of the samples whose labels include `labels`; 0 when there is none. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.series
      .filter((family) => family.name === name)
      .flatMap((family) => family.metrics)
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value))
      .reduce((sum, sample) => sum + Number(sample.value ?? 0), 0);
  }

  /** How many observations the matching series of a histogram hold. */
  count(histogram: string, labels: Record<string, string> = {}): number {
    return this.value(`${histogram}_count`, labels);
  }
}
