// Metric names: those a PromQL expression uses, and those a /metrics text exports (histogram
// and summary series with their _bucket/_sum/_count suffixes).

/**
 * fibwarden's metric names a PromQL expression uses: every `fibwarden_*` identifier (no label,
 * function or keyword of PromQL starts so). Prometheus's own `up` is not one of them.
 */
export function metricNamesIn(expr: string): string[] {
  return [...new Set(expr.match(/\bfibwarden_[a-zA-Z0-9_]+/g) ?? [])].sort();
}

/** Every series name a Prometheus text exposition offers, from its TYPE lines and samples. */
export function exportedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${name!}${s}`);
      else if (kind === "summary") for (const s of ["", "_sum", "_count"]) names.add(`${name!}${s}`);
      else names.add(name!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}
