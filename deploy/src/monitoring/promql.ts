import { parser } from '@prometheus-io/lezer-promql';
import { InputError } from '@overlap/runtime';

/**
 * The metric names a PromQL expression selects, from Prometheus' own grammar (the one its UI uses). A selector
 * by `__name__` is refused: its names cannot be checked against a scrape.
 */
export function metricNames(expression: string): string[] {
  const names = new Set<string>();
  const cursor = parser.parse(expression).cursor();
  do {
    if (cursor.type.isError) throw new InputError('PromQL', expression, `does not parse at offset ${cursor.from}`);
    if (cursor.name === 'LabelName' && expression.slice(cursor.from, cursor.to) === '__name__') {
      throw new InputError('PromQL', expression, 'selects by __name__');
    }
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') names.add(expression.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return [...names].sort();
}
