/** S3 "Object Created" events through EventBridge to the start function, with retries and a dead-letter queue. */
import { Duration } from 'aws-cdk-lib';
import { EventPattern, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObjectCreatedTriggerProps {
  readonly bucket: IBucket;
  /** `undefined`: any prefix before `AWSLogs/`. */
  readonly keyPrefix?: string;
  readonly start: IFunction;
}

/** The key pattern an event must match: ELB logs only. */
export function keyPattern(keyPrefix?: string): string {
  return `${keyPrefix ?? '*'}AWSLogs/*/elasticloadbalancing/*`;
}

/** The EventBridge pattern of an ELB log object created in `bucketName`. */
export function objectCreatedPattern(bucketName: string, keyPrefix?: string): EventPattern {
  return {
    source: ['aws.s3'],
    detailType: ['Object Created'],
    detail: { bucket: { name: [bucketName] }, object: { key: Match.wildcard(keyPattern(keyPrefix)) } },
  };
}

export class ObjectCreatedTrigger extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ObjectCreatedTriggerProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'dead-letters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rule = new Rule(this, 'object-created', {
      description: 'elbship: new ELB log objects start an execution',
      eventPattern: objectCreatedPattern(props.bucket.bucketName, props.keyPrefix),
    });
    // Delivery failures to Lambda go to the queue from EventBridge; failures of the function itself from Lambda.
    this.rule.addTarget(new LambdaFunction(props.start, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
    }));
    props.start.configureAsyncInvoke({ onFailure: new SqsDestination(this.deadLetterQueue), retryAttempts: 2 });
  }
}
