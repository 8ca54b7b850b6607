/**
 * The CloudWatch dashboard: what elbship ships, how late, what CloudWatch refused, and what failed, from the
 * functions' EMF metrics (namespace `elbship`), the state machines, the functions, and the account's PutLogEvents
 * throttling (`AWS/Usage`).
 */
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, IMetric, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { fleetMetric } from './metrics';

export interface ElbshipDashboardProps {
  readonly stateMachine: StateMachine;
  readonly expressStateMachine: StateMachine;
  readonly functions: IFunction[];
}

export class ElbshipDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** Widget titles, in order (the README lists them). */
  static readonly WIDGETS = [
    'Objects per hour', 'Lines delivered', 'Bytes delivered', 'Lines rejected, by reason', 'Freshness (file end to verified delivery)',
    'Failures', 'Lambda errors and throttles', 'PutLogEvents throttling (account)',
  ];

  constructor(scope: Construct, id: string, props: ElbshipDashboardProps) {
    super(scope, id);
    const hour = Duration.hours(1);
    const graph = (title: string, left: IMetric[], width = 12) => new GraphWidget({ title, left, width, height: 6 });
    const [objects, lines, bytes, rejects, freshness, failures, lambda, throttling] = ElbshipDashboard.WIDGETS;
    this.dashboard = new Dashboard(this, 'dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [new TextWidget({ width: 24, height: 2, markdown:
          '# elbship\nEvery line accounted for: objects verified and failed, lines and bytes delivered, rejects by reason, and how late logs arrive. Per load balancer: namespace `elbship`, dimensions Account, Region, LoadBalancer, Kind.' })],
        [
          graph(objects, [fleetMetric('ObjectsVerified', 'Sum', hour), fleetMetric('ObjectsFailed', 'Sum', hour)]),
          graph(lines, [fleetMetric('LinesRead'), fleetMetric('LinesDelivered'), fleetMetric('PossiblyDuplicatedEvents')]),
        ],
        [
          graph(bytes, [fleetMetric('BytesDelivered')]),
          graph(rejects, ['RejectedTooOld', 'RejectedExpired', 'RejectedTooNew', 'RejectedBlank'].map((m) => fleetMetric(m))),
        ],
        [
          graph(freshness, [fleetMetric('FreshnessSeconds', 'p50', undefined, 'p50'), fleetMetric('FreshnessSeconds', 'p99', undefined, 'p99')]),
          graph(failures, [
            props.stateMachine.metricFailed({ label: 'Standard executions failed' }),
            props.expressStateMachine.metricFailed({ label: 'Express executions failed' }),
            fleetMetric('ObjectsFailed', 'Sum', undefined, 'objects failed'),
          ]),
        ],
        [
          graph(lambda, props.functions.flatMap((f) => [f.metricErrors(), f.metricThrottles()])),
          graph(throttling, [new Metric({
            namespace: 'AWS/Usage', metricName: 'ThrottleCount', statistic: 'Sum', period: Duration.minutes(5),
            dimensionsMap: { Service: 'Logs', Type: 'API', Resource: 'PutLogEvents', Class: 'None' },
            label: 'PutLogEvents throttled',
          })]),
        ],
      ],
    });
  }
}
