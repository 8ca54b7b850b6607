/**
 * The small stack for a log bucket another account owns (an organization's log-archive account): it forwards the
 * bucket's "Object Created" events to elbship's event bus, and, when asked (`deployBucketPolicy`), writes the bucket
 * policy elbship needs: ELB delivery for every allowed account and read access for elbship's roles. Without it, the
 * same policy is in the synthesized template to merge by hand: an AWS::S3::BucketPolicy replaces the bucket's whole
 * policy, so it is deployed only for a bucket whose policy elbship may own.
 */
import { Stack, StackProps, Token } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket, BucketPolicy } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ACCOUNT_ID } from './config';
import { checkPolicySize, deliveryStatements } from './delivery-policy';
import { elbshipRolePattern } from './destination-role';
import { objectCreatedPattern } from './trigger';

export interface SourceBucketStackProps extends StackProps {
  readonly bucketName: string;
  /** `undefined`: any prefix before `AWSLogs/`. */
  readonly keyPrefix?: string;
  /** The account elbship runs in, and its stack's name (its roles are named after it). */
  readonly elbshipAccount: string;
  readonly elbshipStackName: string;
  /** Every account whose load balancers write to the bucket. */
  readonly accounts: string[];
  readonly organizationId?: string;
  readonly deployBucketPolicy: boolean;
}

export class SourceBucketStack extends Stack {
  readonly rule: Rule;
  /** The statements elbship needs in the bucket's policy (deployed only with `deployBucketPolicy`). */
  readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: SourceBucketStackProps) {
    super(scope, id, props);
    for (const a of [props.elbshipAccount, ...props.accounts]) {
      if (!Token.isUnresolved(a) && !ACCOUNT_ID.test(a)) throw new Error(`elbship: ${a} is not a 12-digit account id`);
    }
    const bucket = Bucket.fromBucketName(this, 'bucket', props.bucketName);
    const central = EventBus.fromEventBusArn(this, 'elbship-bus', `arn:${this.partition}:events:${this.region}:${props.elbshipAccount}:event-bus/default`);
    this.rule = new Rule(this, 'forward', {
      description: "elbship: new ELB log objects, forwarded to elbship's event bus",
      eventPattern: objectCreatedPattern(props.bucketName, props.keyPrefix),
    });
    this.rule.addTarget(new EventBusTarget(central));
    const readers = new AccountPrincipal(props.elbshipAccount).withConditions({
      ArnLike: { 'aws:PrincipalArn': elbshipRolePattern(this.partition, props.elbshipAccount, props.elbshipStackName) },
    });
    const logs = `${props.keyPrefix ?? '*'}AWSLogs/*`;
    this.statements = [
      ...deliveryStatements(this, bucket, { keyPrefix: props.keyPrefix ?? '', accounts: props.accounts, organizationId: props.organizationId }),
      new PolicyStatement({ sid: 'ElbshipReadLogs', effect: Effect.ALLOW, principals: [readers], actions: ['s3:GetObject'], resources: [bucket.arnForObjects(logs)] }),
      // A backfill's Distributed Map lists the bucket; an inventory backfill reads manifests from another bucket.
      new PolicyStatement({ sid: 'ElbshipListLogs', effect: Effect.ALLOW, principals: [readers], actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    ];
    checkPolicySize(this, this.statements, 0);
    if (props.deployBucketPolicy) {
      const policy = new BucketPolicy(this, 'policy', { bucket });
      policy.document.addStatements(
        new PolicyStatement({
          sid: 'DenyInsecureTransport', effect: Effect.DENY, principals: [new AnyPrincipal()], actions: ['s3:*'],
          resources: [bucket.bucketArn, bucket.arnForObjects('*')], conditions: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        ...this.statements,
      );
    }
  }
}
