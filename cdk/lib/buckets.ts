/** The S3 side: the source bucket (existing, or new and writable by Elastic Load Balancing) and the staging bucket. */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountPrincipal, Effect, IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { defaultOf } from './environment';

/** What a grant is given to: a function (its role). */
export type Grantee = IGrantable & { addToRolePolicy(s: PolicyStatement): void };

/** Where span indexes are kept between plan and verify. */
export const STAGING_PREFIX = defaultOf('ELBSHIP_STAGING_PREFIX');

export interface LogBucketsProps {
  readonly sourceBucketName?: string;
  /** The key prefix ELB writes under (`''` for none); the ELB write permission covers `{prefix}AWSLogs/{account}/*`. */
  readonly keyPrefix: string;
}

export class LogBuckets extends Construct {
  readonly source: IBucket;
  readonly staging: Bucket;
  /** Whether `source` is a bucket this stack created. */
  readonly created: boolean;

  constructor(scope: Construct, id: string, props: LogBucketsProps) {
    super(scope, id);
    this.staging = new Bucket(this, 'staging', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
      lifecycleRules: [{ id: 'expire-span-indexes', prefix: STAGING_PREFIX, expiration: Duration.days(7) }],
    });
    if (props.sourceBucketName) {
      this.source = Bucket.fromBucketName(this, 'source', props.sourceBucketName);
      this.created = false;
      return;
    }
    const bucket = new Bucket(this, 'source', {
      // ELB log delivery supports SSE-S3 only.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      eventBridgeEnabled: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stack = Stack.of(this);
    const logs = bucket.arnForObjects(`${props.keyPrefix}AWSLogs/${stack.account}/*`);
    // Regions since August 2022 deliver as the log delivery service; older Regions as a regional ELB account.
    bucket.addToResourcePolicy(new PolicyStatement({
      sid: 'ElbLogDelivery',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logs],
    }));
    // NLB access logs are delivered by the log delivery service (NLB user guide, "Access logs for your Network Load
    // Balancer"): it reads the bucket's ACL and writes with the bucket-owner-full-control ACL, for this account's
    // load balancers only.
    bucket.addToResourcePolicy(new PolicyStatement({
      sid: 'NlbLogDeliveryWrite',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('delivery.logs.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logs],
      conditions: {
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:*:${stack.account}:*` },
      },
    }));
    bucket.addToResourcePolicy(new PolicyStatement({
      sid: 'NlbLogDeliveryAclCheck',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('delivery.logs.amazonaws.com')],
      actions: ['s3:GetBucketAcl'],
      resources: [bucket.bucketArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:*:${stack.account}:*` },
      },
    }));
    const legacy = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).elbv2Account;
    if (legacy) {
      bucket.addToResourcePolicy(new PolicyStatement({
        sid: 'ElbLogDeliveryLegacyRegion',
        effect: Effect.ALLOW,
        principals: [new AccountPrincipal(legacy)],
        actions: ['s3:PutObject'],
        resources: [logs],
      }));
    }
    this.source = bucket;
    this.created = true;
  }

  /** Reading ELB's log objects under the source bucket's log prefix (`{keyPrefix}AWSLogs/*`, `*` for any prefix). */
  grantReadLogs(fn: Grantee, keyPrefix: string | undefined): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.source.arnForObjects(`${keyPrefix ?? '*'}AWSLogs/*`)] }));
  }

  /** Exactly the object actions a function needs under the staging prefix. */
  grantStaging(fn: Grantee, actions: ('s3:PutObject' | 's3:GetObject' | 's3:DeleteObject')[]): void {
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [this.staging.arnForObjects(`${STAGING_PREFIX}*`)] }));
  }

}
