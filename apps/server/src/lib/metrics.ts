type Labels = Record<string, string>;

const labelKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map(
      (name) =>
        `${name}="${String(labels[name]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');

/** Upper bounds (seconds) of request-duration buckets: sub-millisecond cache hits to slow queries. */
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * A minimal Prometheus registry: counters, gauges read at scrape time, and histograms, all
 * rendered in the text exposition format. Labels never carry tenant data (no workspace or user
 * ids), so `/metrics` reveals nothing about any workspace.
 *
 * @example
 * metrics.counter('http_requests_total', 'Requests', { method: 'GET', status: '200' });
 * const text = metrics.render();
 */
export class Metrics {
  readonly #help = new Map<string, { help: string; type: 'counter' | 'gauge' | 'histogram' }>();
  readonly #counters = new Map<string, Map<string, number>>();
  readonly #histograms = new Map<
    string,
    Map<string, { buckets: number[]; sum: number; count: number }>
  >();
  readonly #gauges = new Map<string, () => number>();

  counter(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.#help.set(name, { help, type: 'counter' });
    const series = this.#counters.get(name) ?? new Map<string, number>();
    this.#counters.set(name, series);
    const key = labelKey(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    this.#help.set(name, { help, type: 'histogram' });
    const series = this.#histograms.get(name) ?? new Map();
    this.#histograms.set(name, series);
    const key = labelKey(labels);
    const entry = series.get(key) ?? { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
    series.set(key, entry);
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) entry.buckets[i]!++;
    });
    entry.sum += seconds;
    entry.count++;
  }

  gauge(name: string, help: string, read: () => number): void {
    this.#help.set(name, { help, type: 'gauge' });
    this.#gauges.set(name, read);
  }

  render(): string {
    const lines: string[] = [];
    const header = (name: string) => {
      const meta = this.#help.get(name)!;
      lines.push(`# HELP ${name} ${meta.help}`, `# TYPE ${name} ${meta.type}`);
    };
    const withLabels = (name: string, key: string) => (key ? `${name}{${key}}` : name);
    for (const [name, series] of this.#counters) {
      header(name);
      for (const [key, value] of series) lines.push(`${withLabels(name, key)} ${value}`);
    }
    for (const [name, read] of this.#gauges) {
      header(name);
      lines.push(`${name} ${read()}`);
    }
    for (const [name, series] of this.#histograms) {
      header(name);
      for (const [key, entry] of series) {
        const prefix = key ? `${key},` : '';
        for (const [i, bound] of DURATION_BUCKETS.entries()) {
          lines.push(`${name}_bucket{${prefix}le="${bound}"} ${entry.buckets[i]}`);
        }
        lines.push(`${name}_bucket{${prefix}le="+Inf"} ${entry.count}`);
        lines.push(
          `${withLabels(`${name}_sum`, key)} ${entry.sum}`,
          `${withLabels(`${name}_count`, key)} ${entry.count}`,
        );
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
