/**
 * Alarms an operator needs: failed, timed-out or aborted executions, start errors, dead letters, logs arriving late
 * (freshness), logs no longer arriving (no object verified), and optionally any rejected line; optional SNS.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { IQueue } from 'aws-cdk-lib/aws-sqs';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { fleetMetric } from './metrics';

export interface ElbshipAlarmsProps {
  readonly stateMachine: StateMachine;
  readonly expressStateMachine: StateMachine;
  readonly start: IFunction;
  readonly deadLetterQueue: IQueue;
  readonly email?: string;
  /** Alarm when the p99 delay from a file's end to its verified delivery exceeds this (default 30 minutes). */
  readonly freshness?: Duration;
  /** Alarm when no object is verified for this long (default 1 hour; ELB writes every 5 minutes per node). */
  readonly silence?: Duration;
  /** Alarm on any rejected line (default off: backfills of old logs reject by design unless restamped). */
  readonly alarmOnRejects?: boolean;
}

export class ElbshipAlarms extends Construct {
  readonly alarms: Alarm[];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: ElbshipAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const sm = props.stateMachine;
    const metrics: [string, string, IMetric][] = [
      ['executions-failed', 'An execution failed: a line could not be accounted for, or an object is corrupt', sm.metricFailed({ period })],
      ['executions-timed-out', 'An execution timed out', sm.metricTimedOut({ period })],
      ['executions-aborted', 'An execution was aborted', sm.metricAborted({ period })],
      ['express-executions-failed', 'An Express execution failed and could not hand its object to the Standard state machine',
        props.expressStateMachine.metricFailed({ period })],
      ['express-executions-timed-out', 'An Express execution timed out (5 minutes)', props.expressStateMachine.metricTimedOut({ period })],
      ['start-errors', 'The start function failed on an S3 event', props.start.metricErrors({ period })],
      ['objects-refused', 'An ELB log was written nowhere: its key names an account that is not allowed, or its file name and path disagree',
        fleetMetric('ObjectsRefused', 'Sum', period)],
      ['dead-letters', 'S3 events that started nothing are waiting in the dead-letter queue',
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period })],
    ];
    if (props.alarmOnRejects) {
      metrics.push(['lines-rejected', 'CloudWatch Logs refused lines for their time (too old, expired, too new)', fleetMetric('LinesRejected', 'Sum', period)]);
    }
    this.alarms = metrics.map(([name, description, metric]) => new Alarm(this, name, {
      alarmDescription: `elbship: ${description}`,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }));
    const freshness = props.freshness ?? Duration.minutes(30);
    this.alarms.push(new Alarm(this, 'late', {
      alarmDescription: `elbship: logs arrive late: p99 from a file's end to its delivery is over ${freshness.toMinutes()} minutes`,
      metric: fleetMetric('FreshnessSeconds', 'p99', period),
      threshold: freshness.toSeconds(),
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }));
    const silence = props.silence ?? Duration.hours(1);
    this.alarms.push(new Alarm(this, 'silent', {
      alarmDescription: `elbship: no object verified for ${silence.toMinutes()} minutes: logs stopped arriving, or elbship stopped shipping them`,
      metric: fleetMetric('ObjectsVerified', 'Sum', silence),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    }));
    if (props.email) {
      this.topic = new Topic(this, 'topic', { displayName: 'elbship alarms', enforceSSL: true });
      this.topic.addSubscription(new EmailSubscription(props.email));
      for (const alarm of this.alarms) alarm.addAlarmAction(new SnsAction(this.topic));
    }
  }
}
