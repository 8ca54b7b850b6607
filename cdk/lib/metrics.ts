/** elbship's own metrics (embedded metric format, namespace `elbship`), as the functions print them. */
import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';

export const NAMESPACE = 'elbship';

/** A fleet-wide metric (no dimension: every load balancer); `stat` e.g. `Sum`, `p99`. */
export function fleetMetric(name: string, stat = 'Sum', period = Duration.minutes(5), label?: string): Metric {
  return new Metric({ namespace: NAMESPACE, metricName: name, statistic: stat, period, label });
}
