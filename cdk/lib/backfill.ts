/**
 * The backfill state machine, from `statemachine/elbship-backfill.asl.json`: a Distributed Map over the S3 listing
 * of a prefix, batches of objects shipped by the object function, the children's results written to the staging
 * bucket, and a summary. Started once per backfill by `elbship backfill`.
 */
import * as path from 'path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { IKey } from 'aws-cdk-lib/aws-kms';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { IBucket } from 'aws-cdk-lib/aws-s3';
import { StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { definedStateMachine } from './workflow';
import { Construct } from 'constructs';

export const BACKFILL_DEFINITION_FILE = path.join(__dirname, '..', '..', 'statemachine', 'elbship-backfill.asl.json');
/** Where the Map's ResultWriter writes, under the staging prefix. */
export const BACKFILL_RESULTS = 'backfills';

export interface BackfillProps {
  readonly object: IFunction;
  readonly source: IBucket;
  readonly keyPrefix: string;
  readonly staging: IBucket;
  readonly stagingPrefix: string;
  readonly logRetention: RetentionDays;
  readonly logKey?: IKey;
  readonly tracing: boolean;
  /** The bucket S3 Inventory lists of the source bucket are delivered to, if any. */
  readonly inventoryBucketName?: string;
}

export class Backfill extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: BackfillProps) {
    super(scope, id);
    this.stateMachine = definedStateMachine(this, 'backfill-state-machine', 'logs', {
      type: StateMachineType.STANDARD,
      comment: 'elbship backfill: a Distributed Map ships the ELB logs already under a prefix, in batches, and sums them up',
      file: BACKFILL_DEFINITION_FILE,
      substitutions: {
        ObjectFunctionArn: props.object.functionArn,
        StagingBucket: props.staging.bucketName,
        ResultPrefix: `${props.stagingPrefix}${BACKFILL_RESULTS}`,
      },
      logRetention: props.logRetention,
      logKey: props.logKey,
      tracing: props.tracing,
    });
    const sm = this.stateMachine;
    props.object.grantInvoke(sm);
    // The ItemReader lists the log prefix; the ResultWriter writes under the staging prefix (the object function
    // reads it back for the summary: its grants cover the staging prefix).
    sm.addToRolePolicy(new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [props.source.bucketArn],
      conditions: props.keyPrefix ? { StringLike: { 's3:prefix': [`${props.keyPrefix}*`] } } : undefined,
    }));
    sm.addToRolePolicy(new PolicyStatement({
      actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      resources: [props.staging.arnForObjects(`${props.stagingPrefix}${BACKFILL_RESULTS}/*`)],
    }));
    if (props.inventoryBucketName) {
      // The MANIFEST ItemReader reads manifest.json and the inventory's CSV files.
      sm.addToRolePolicy(new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: props.inventoryBucketName, resourceName: '*' })],
      }));
    }
    // A Distributed Map starts its children as executions of its own state machine, named
    // `execution:<state machine>/<map run label>:<id>`, and a redrive of the backfill redrives the failed ones with
    // this role (AWS's "IAM policies for using Distributed Map states"; what CDK grants the Distributed Maps it
    // builds itself, which `DefinitionBody.fromString` does not). A separate policy, so that the state machine's
    // ARN can be named without a cycle.
    const execution = (resourceName: string) => Stack.of(this).formatArn({
      service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName,
    });
    const children = new Policy(this, 'map-runs', {
      statements: [
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [sm.stateMachineArn] }),
        new PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [execution(`${sm.stateMachineName}:*`), execution(`${sm.stateMachineName}/*:*`)],
        }),
        new PolicyStatement({ actions: ['states:RedriveExecution'], resources: [execution(`${sm.stateMachineName}/*:*`)] }),
      ],
    });
    children.attachToRole(sm.role);
  }
}
