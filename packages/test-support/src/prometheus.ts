import parseText from 'parse-prometheus-text-format';

/** One series of a scrape: its labels and value. */
export interface Sample {
  labels?: Record<string, string>;
  value?: string;
}
interface MetricFamily {
  name: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}
const parsePrometheusTextFormat = (text: string): MetricFamily[] => parseText(text);

// The parser folds every series of a histogram into one and drops their labels; without the TYPE line it
// reads `<name>_bucket`, `<name>_sum` and `<name>_count` as plain series, labels and all.
const HISTOGRAM_TYPE_LINE = /^# TYPE \S+ histogram$/gm;

/** A scrape, parsed with a Prometheus text parser (parse-prometheus-text-format). */
export class Scrape {
  private readonly families: MetricFamily[];
  private readonly series: MetricFamily[];

  constructor(text: string) {
    this.families = parsePrometheusTextFormat(text);
    this.series = parsePrometheusTextFormat(text.replace(HISTOGRAM_TYPE_LINE, ''));
  }

  type(name: string): MetricFamily['type'] | undefined {
    return this.families.find((family) => family.name === name)?.type;
  }

  /** The samples of a counter or gauge (or `<histogram>_count`) whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.series
      .filter((family) => family.name === name)
      .flatMap((family) => family.metrics)
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  }

  /** The sum of the matching samples; 0 when there is none, as for a counter not incremented yet. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((sum, sample) => sum + Number(sample.value ?? 0), 0);
  }

  /** How many observations the matching series of a histogram hold. */
  count(histogram: string, labels: Record<string, string> = {}): number {
    return this.value(`${histogram}_count`, labels);
  }
}

/** GETs a Prometheus endpoint and parses it. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return new Scrape(await res.text());
}
