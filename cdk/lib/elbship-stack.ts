/** The elbship stack: the functions, the state machine, the S3 event wiring, least-privilege grants, alarms. */
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { CfnEventBusPolicy } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ElbshipAlarms } from './alarms';
import { ElbshipDashboard } from './dashboard';
import { CheckpointTable } from './checkpoints';
import { Grantee, LogBuckets, STAGING_PREFIX } from './buckets';
import { TargetLogGroups } from './target-logs';
import { accountList, ACCOUNT_ID, architectureOf, ElbshipConfig, logGroupPrefix, ORGANIZATION_ID } from './config';
import { DESTINATION_ROLE_NAME } from './destination-role';
import { defaultOf, RETENTION_DAYS } from './environment';
import { ElbshipFunctions } from './functions';
import { ObjectCreatedTrigger } from './trigger';
import { Workflow } from './workflow';
import { Backfill } from './backfill';

export const DEFAULT_LOG_GROUP_TEMPLATE = defaultOf('ELBSHIP_LOG_GROUP_TEMPLATE');
const DESTINATION_MODES = ['central', 'central-source-region', 'source-account'];

export interface ElbshipStackProps extends StackProps {
  readonly config: ElbshipConfig;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`elbship: ${message}`);
}

export class ElbshipStack extends Stack {
  readonly functions: ElbshipFunctions;
  readonly workflow: Workflow;
  readonly buckets: LogBuckets;
  readonly checkpoints: CheckpointTable;
  readonly trigger: ObjectCreatedTrigger;
  readonly alarms: ElbshipAlarms;
  readonly dashboard: ElbshipDashboard;
  readonly backfill: Backfill;

  constructor(scope: Construct, id: string, props: ElbshipStackProps) {
    super(scope, id, props);
    const c = props.config;
    const mapConcurrency = c.mapConcurrency ?? Number(defaultOf('ELBSHIP_MAP_CONCURRENCY'));
    const sendConcurrency = c.sendConcurrency ?? Number(defaultOf('ELBSHIP_SEND_CONCURRENCY'));
    check(Number.isInteger(mapConcurrency) && mapConcurrency >= 1 && mapConcurrency <= 40, 'mapConcurrency must be 1 to 40 (inline Map)');
    check(Number.isInteger(sendConcurrency) && sendConcurrency >= 1 && sendConcurrency <= 64, 'sendConcurrency must be 1 to 64');
    check(c.logGroupClass === undefined || ['STANDARD', 'INFREQUENT_ACCESS'].includes(c.logGroupClass), 'logGroupClass must be STANDARD or INFREQUENT_ACCESS');
    check(c.targetRetentionDays === undefined || RETENTION_DAYS.includes(c.targetRetentionDays), `targetRetentionDays must be one of ${RETENTION_DAYS}`);
    const allowed = accountList(c.allowedAccounts);
    check(allowed.every((a) => ACCOUNT_ID.test(a)), 'allowedAccounts must be 12-digit account ids separated by commas');
    check(c.organizationId === undefined || ORGANIZATION_ID.test(c.organizationId), 'organizationId must look like o-abcd123456');
    const mode = c.destinationMode ?? defaultOf('ELBSHIP_DESTINATION_MODE');
    check(DESTINATION_MODES.includes(mode), `destinationMode must be one of ${DESTINATION_MODES.join(', ')}`);
    check(mode !== 'source-account' || c.destinationExternalId !== undefined, 'destinationMode source-account needs destinationExternalId');
    check(c.destinationExternalId === undefined || /^[\w+=,.@:/-]{2,1224}$/.test(c.destinationExternalId), 'destinationExternalId must be 2 to 1,224 of A-Z a-z 0-9 +=,.@:/-_ (STS)');
    check(c.logGroupKmsKeyArn === undefined || mode === 'central', "logGroupKmsKeyArn is one Region's key of elbship's account: it cannot encrypt log groups in other Regions or accounts (destinationMode central only)");
    check(c.sourceBucketAccount === undefined || (ACCOUNT_ID.test(c.sourceBucketAccount) && c.sourceBucketName !== undefined), 'sourceBucketAccount must be a 12-digit account id, with sourceBucketName');
    const functionRetention = c.functionLogRetentionDays ?? 30;
    check(RETENTION_DAYS.includes(functionRetention), `functionLogRetentionDays must be one of ${RETENTION_DAYS}`);
    const logTemplate = c.logGroupTemplate ?? DEFAULT_LOG_GROUP_TEMPLATE;
    const tracing = c.tracing ?? false;
    const logKey = c.logGroupKmsKeyArn ? Key.fromKeyArn(this, 'log-key', c.logGroupKmsKeyArn) : undefined;

    this.buckets = new LogBuckets(this, 'buckets', {
      sourceBucketName: c.sourceBucketName, keyPrefix: c.keyPrefix ?? '', accounts: [this.account, ...allowed], organizationId: c.organizationId,
    });
    this.checkpoints = new CheckpointTable(this, 'checkpoints');
    const chosen = (v: string | number | undefined): string | undefined => (v === undefined ? undefined : String(v));
    // What the app wires, and what the operator chose; every other variable keeps the code's default.
    const variables: Record<string, string | undefined> = {
      ELBSHIP_STAGING_BUCKET: this.buckets.staging.bucketName,
      ELBSHIP_STAGING_PREFIX: STAGING_PREFIX,
      ELBSHIP_CHECKPOINT_TABLE: this.checkpoints.table.tableName,
      ELBSHIP_ACCOUNT: this.account,
      ELBSHIP_ALLOWED_ACCOUNTS: allowed.length > 0 ? allowed.join(',') : undefined,
      ELBSHIP_LOG_GROUP_TEMPLATE: c.logGroupTemplate,
      ELBSHIP_LOG_STREAM_TEMPLATE: c.logStreamTemplate,
      ELBSHIP_MESSAGE_MODE: c.messageMode,
      ELBSHIP_OLD_EVENT_POLICY: c.oldEventPolicy,
      ELBSHIP_SPAN_SIZE: c.spanSize,
      ELBSHIP_MAP_CONCURRENCY: chosen(c.mapConcurrency),
      ELBSHIP_SEND_CONCURRENCY: chosen(c.sendConcurrency),
      ELBSHIP_LOG_GROUP_RETENTION_DAYS: chosen(c.targetRetentionDays),
      ELBSHIP_LOG_GROUP_KMS_KEY: c.logGroupKmsKeyArn,
      ELBSHIP_LOG_GROUP_CLASS: c.logGroupClass,
      ELBSHIP_EXPRESS_MAX_BYTES: c.expressMaxBytes,
      ELBSHIP_DESTINATION_MODE: c.destinationMode,
      ELBSHIP_DESTINATION_ROLE: c.destinationRoleName,
      ELBSHIP_DESTINATION_EXTERNAL_ID: c.destinationExternalId,
    };
    this.functions = new ElbshipFunctions(this, 'functions', {
      architecture: architectureOf(c),
      variables,
      logRetention: functionRetention as RetentionDays,
      logKey,
      tracing,
    });
    const f = this.functions;
    this.workflow = new Workflow(this, 'workflow', {
      plan: f.plan, ship: f.ship, verify: f.verify, object: f.object, logRetention: functionRetention as RetentionDays, logKey, tracing,
    });
    const sm = this.workflow.stateMachine;
    const express = this.workflow.expressStateMachine;
    f.setVariable('ELBSHIP_STATE_MACHINE_ARN', sm.stateMachineArn);
    for (const fn of [f.start, f.object]) {
      sm.grantStartExecution(fn); // start: large objects; object: the hand-over of what it cannot finish
    }
    f.setVariable('ELBSHIP_EXPRESS_STATE_MACHINE_ARN', express.stateMachineArn);
    express.grantStartExecution(f.start);
    this.backfill = new Backfill(this, 'backfill', {
      object: f.object, source: this.buckets.source, keyPrefix: c.keyPrefix ?? '', staging: this.buckets.staging,
      stagingPrefix: STAGING_PREFIX, logRetention: functionRetention as RetentionDays, logKey, tracing,
      inventoryBucketName: c.inventoryBucketName,
    });

    // Least privilege, by use case: each grant is a method of what owns the resource. The object function plans,
    // ships and verifies small objects, so it gets exactly the three use cases' grants.
    // The functions' own account's groups: in their Region, or in every Region when each load balancer's logs stay in
    // its own (central-source-region, and source-account for elbship's own load balancers).
    const groups = new TargetLogGroups({ partition: this.partition, account: this.account, region: mode === 'central' ? this.region : '*' }, logGroupPrefix(logTemplate));
    // Another account's groups are reached through its destination role (source-account): assuming it is the grant.
    const destinationRoles = mode === 'source-account'
      ? allowed.map((a) => `arn:${this.partition}:iam::${a}:role/${c.destinationRoleName ?? DESTINATION_ROLE_NAME}`) : [];
    const assumeDestinationRoles = (fn: Grantee) => {
      if (destinationRoles.length > 0) fn.addToRolePolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: destinationRoles }));
    };
    const planning = (fn: Grantee) => {
      this.buckets.grantReadLogs(fn, c.keyPrefix);
      this.buckets.grantStaging(fn, ['s3:PutObject']);
      groups.grantDescribe(fn);
      assumeDestinationRoles(fn);
      this.checkpoints.grant(fn, ['dynamodb:UpdateItem']);
    };
    const shipping = (fn: Grantee) => {
      this.buckets.grantReadLogs(fn, c.keyPrefix);
      this.buckets.grantStaging(fn, ['s3:GetObject']);
      groups.grantWrite(fn);
      groups.grantDescribe(fn); // a batch read back stored in part: was the rest refused for the group's retention?
      assumeDestinationRoles(fn);
      // GetItem: a batch held through a storm confirms its span is still this attempt's before it is sent.
      this.checkpoints.grant(fn, ['dynamodb:UpdateItem', 'dynamodb:GetItem']);
    };
    const verifying = (fn: Grantee) => {
      this.buckets.grantStaging(fn, ['s3:DeleteObject']);
      this.checkpoints.grant(fn, ['dynamodb:GetItem']);
    };
    planning(f.plan);
    shipping(f.ship);
    verifying(f.verify);
    for (const grant of [planning, shipping, verifying]) grant(f.object);

    this.trigger = new ObjectCreatedTrigger(this, 'trigger', { bucket: this.buckets.source, keyPrefix: c.keyPrefix, start: f.start });
    if (c.sourceBucketAccount && c.sourceBucketAccount !== this.account) {
      // The bucket's account forwards its events (the source bucket stack); this bus must accept them.
      new CfnEventBusPolicy(this, 'source-bucket-events', {
        statementId: `elbship-source-bucket-${c.sourceBucketAccount}`,
        statement: {
          Effect: 'Allow',
          Principal: { AWS: `arn:${this.partition}:iam::${c.sourceBucketAccount}:root` },
          Action: 'events:PutEvents',
          Resource: `arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`,
        },
      });
    }
    this.alarms = new ElbshipAlarms(this, 'alarms', {
      stateMachine: sm, expressStateMachine: express, start: f.start, deadLetterQueue: this.trigger.deadLetterQueue, email: c.alarmEmail,
      freshness: Duration.minutes(c.freshnessAlarmMinutes ?? 30),
      silence: Duration.minutes(c.silenceAlarmMinutes ?? 60),
      alarmOnRejects: c.alarmOnRejects ?? false,
    });
    this.dashboard = new ElbshipDashboard(this, 'dashboard', {
      stateMachine: sm, expressStateMachine: express, functions: [f.start, f.plan, f.ship, f.verify, f.object],
    });

    new CfnOutput(this, 'StateMachineArn', { value: sm.stateMachineArn, description: 'export ELBSHIP_STATE_MACHINE_ARN=<this> for elbship ship' });
    new CfnOutput(this, 'ExpressStateMachineArn', { value: express.stateMachineArn, description: 'Small objects (ELBSHIP_EXPRESS_MAX_BYTES) go here' });
    new CfnOutput(this, 'BackfillStateMachineArn', { value: this.backfill.stateMachine.stateMachineArn, description: 'export ELBSHIP_BACKFILL_STATE_MACHINE_ARN=<this> for elbship backfill' });
    new CfnOutput(this, 'SourceBucketName', { value: this.buckets.source.bucketName, description: 'Point ELB access logging here' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.trigger.deadLetterQueue.queueUrl, description: 'What could not be started: elbship replay <this>' });
    this.suppressNagFindings(tracing);
  }

  /** Each accepted cdk-nag finding, with the reason it is right here. */
  private suppressNagFindings(tracing: boolean): void {
    const f = this.functions;
    for (const fn of [f.start, f.plan, f.ship, f.verify, f.object]) {
      NagSuppressions.addResourceSuppressions(fn, [
        { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole only lets the function write its own logs.', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] },
        { id: 'AwsSolutions-IAM5', reason: 'Object ARNs are scoped to the log prefix of the source bucket and the staging prefix; log group ARNs to the configured group prefix (any stream in them); DescribeLogGroups authorizes only on log-group:*; X-Ray has no resource-level permissions.' },
      ], true);
    }
    NagSuppressions.addResourceSuppressions(this.workflow.stateMachine, [
      { id: 'AwsSolutions-IAM5', reason: 'lambda:InvokeFunction on the three functions and their versions (:*), granted by grantInvoke; log delivery and X-Ray actions have no resource-level permissions.' },
      ...(tracing ? [] : [{ id: 'AwsSolutions-SF2', reason: 'X-Ray is optional (context elbship:tracing=true); the execution history already records every state.' }]),
    ], true);
    NagSuppressions.addResourceSuppressions(this.workflow.expressStateMachine, [
      { id: 'AwsSolutions-IAM5', reason: 'lambda:InvokeFunction on the object function and its versions (:*), granted by grantInvoke; log delivery and X-Ray actions have no resource-level permissions.' },
      ...(tracing ? [] : [{ id: 'AwsSolutions-SF2', reason: 'X-Ray is optional (context elbship:tracing=true); every Express execution is logged with its data.' }]),
    ], true);
    NagSuppressions.addResourceSuppressions(this.backfill, [
      { id: 'AwsSolutions-IAM5', reason: 'lambda:InvokeFunction on the object function and its versions (:*); the ResultWriter writes any key under the staging prefix for backfill results; a Distributed Map describes, stops and redrives its own child executions (execution:<name>/<map run label>:<id>, and execution:<name>:* as CDK grants); log delivery and X-Ray actions have no resource-level permissions.' },
      ...(tracing ? [] : [{ id: 'AwsSolutions-SF2', reason: 'X-Ray is optional (context elbship:tracing=true); the execution history and the Map Run record every batch.' }]),
    ], true);
    NagSuppressions.addResourceSuppressions(this.buckets.staging, [
      { id: 'AwsSolutions-S1', reason: 'The staging bucket holds short-lived span indexes written and deleted by elbship only; access logs would add nothing.' },
    ], true);
    if (this.buckets.created) {
      NagSuppressions.addResourceSuppressions(this.buckets.source, [
        { id: 'AwsSolutions-S1', reason: 'This bucket receives ELB access logs; server access logging of it would log the log writes themselves.' },
      ], true);
      // eventBridgeEnabled on a new bucket is applied by CDK's own bucket-notifications custom resource.
      const handler = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
      if (handler) {
        NagSuppressions.addResourceSuppressions(handler, [
          { id: 'AwsSolutions-IAM4', reason: "CDK's bucket-notifications handler, which turns on EventBridge delivery for the new bucket, uses AWSLambdaBasicExecutionRole for its own logs.", appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] },
          { id: 'AwsSolutions-IAM5', reason: "CDK's bucket-notifications handler needs s3:PutBucketNotification on the bucket; CDK writes its policy." },
        ], true);
      }
    }
    NagSuppressions.addResourceSuppressions(this.trigger.deadLetterQueue, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue.' },
    ], true);
    if (this.alarms.topic) {
      NagSuppressions.addResourceSuppressions(this.alarms.topic, [
        { id: 'AwsSolutions-SNS2', reason: 'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key; alarm messages carry no log data.' },
      ], true);
    }
  }
}
