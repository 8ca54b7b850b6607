/** The S3 side: the source bucket (existing, or new and writable by every allowed account's load balancers) and the staging bucket. */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkPolicySize, deliveryStatements } from './delivery-policy';
import { defaultOf } from './environment';

/** What a grant is given to: a function (its role). */
export type Grantee = IGrantable & { addToRolePolicy(s: PolicyStatement): void };

/** Where span indexes are kept between plan and verify. */
export const STAGING_PREFIX = defaultOf('ELBSHIP_STAGING_PREFIX');

export interface LogBucketsProps {
  readonly sourceBucketName?: string;
  /** The key prefix ELB writes under (`''` for none); the ELB write permission covers `{prefix}AWSLogs/{account}/*`. */
  readonly keyPrefix: string;
  /** The accounts whose load balancers may write to a new bucket, elbship's own first. */
  readonly accounts: string[];
  /** The Organization's id, to bind NLB's log delivery by organization (see `deliveryStatements`). */
  readonly organizationId?: string;
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
    const statements = deliveryStatements(stack, bucket, { keyPrefix: props.keyPrefix, accounts: props.accounts, organizationId: props.organizationId });
    checkPolicySize(stack, statements);
    for (const statement of statements) bucket.addToResourcePolicy(statement);
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
