/**
 * Who may write ELB logs into a bucket: the load balancers of each allowed account, each under its own account's
 * `{prefix}AWSLogs/{account}/` only. One set of statements, used by the bucket this stack creates and by the policy
 * stack of a bucket another account owns (`bucket-stack.ts`), and held to S3's 20 KB bucket policy limit at synth.
 */
import { Stack } from 'aws-cdk-lib';
import { AccountPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { IBucket } from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Token } from 'aws-cdk-lib';

/** S3 refuses a bucket policy over 20 KB (S3 user guide, "Bucket policies"). */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

export interface DeliveryPolicyProps {
  /** The key prefix ELB writes under (`''` for none). */
  readonly keyPrefix: string;
  /** Every account whose load balancers write here (elbship's own first); 12-digit ids. */
  readonly accounts: string[];
  /**
   * The Organization's id (`o-...`): NLB's log delivery service is then bound by `aws:SourceOrgID` in one statement
   * instead of one statement per account, so the policy stays small for a large organization. Its objects are still
   * shipped only for the listed accounts (`allowedAccounts`).
   */
  readonly organizationId?: string;
}

/**
 * The statements, by the ELB and NLB user guides ("Enable access logs"):
 * - `logdelivery.elasticloadbalancing.amazonaws.com` (ALB and Classic, Regions since August 2022): PutObject under
 *   each account's prefix, as the guide's policy gives it (the guide names no condition for this principal);
 * - the legacy regional ELB account of the stack's Region (older Regions), which takes no condition: the same
 *   resources;
 * - `delivery.logs.amazonaws.com` (NLB): PutObject with the bucket-owner-full-control ACL under each account's own
 *   prefix, bound by `aws:SourceAccount` (or `aws:SourceOrgID`) and `aws:SourceArn`, and GetBucketAcl likewise.
 */
export function deliveryStatements(stack: Stack, bucket: IBucket, props: DeliveryPolicyProps): PolicyStatement[] {
  const prefixOf = (account: string) => bucket.arnForObjects(`${props.keyPrefix}AWSLogs/${account}/*`);
  const prefixes = props.accounts.map(prefixOf);
  const out: PolicyStatement[] = [
    new PolicyStatement({
      sid: 'ElbLogDelivery',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: prefixes,
    }),
  ];
  const legacy = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).elbv2Account;
  if (legacy) {
    out.push(new PolicyStatement({
      sid: 'ElbLogDeliveryLegacyRegion',
      effect: Effect.ALLOW,
      principals: [new AccountPrincipal(legacy)],
      actions: ['s3:PutObject'],
      resources: prefixes,
    }));
  }
  const nlb = new ServicePrincipal('delivery.logs.amazonaws.com');
  const sourceArn = (account: string) => ({ 'aws:SourceArn': `arn:${stack.partition}:logs:*:${account}:*` });
  if (props.organizationId) {
    const org = { 'aws:SourceOrgID': props.organizationId };
    out.push(
      new PolicyStatement({
        sid: 'NlbLogDeliveryWrite',
        effect: Effect.ALLOW,
        principals: [nlb],
        actions: ['s3:PutObject'],
        resources: prefixes,
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...org } },
      }),
      new PolicyStatement({
        sid: 'NlbLogDeliveryAclCheck',
        effect: Effect.ALLOW,
        principals: [nlb],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: org },
      }),
    );
    return out;
  }
  // One pair per account: a condition and a resource in one statement bind together only if the statement names
  // one account (listing all in each would let account A's delivery write under account B's prefix).
  props.accounts.forEach((account, i) => {
    const suffix = i === 0 ? '' : account;
    out.push(
      new PolicyStatement({
        sid: `NlbLogDeliveryWrite${suffix}`,
        effect: Effect.ALLOW,
        principals: [nlb],
        actions: ['s3:PutObject'],
        resources: [prefixOf(account)],
        conditions: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': account },
          ArnLike: sourceArn(account),
        },
      }),
      new PolicyStatement({
        sid: `NlbLogDeliveryAclCheck${suffix}`,
        effect: Effect.ALLOW,
        principals: [nlb],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: sourceArn(account) },
      }),
    );
  });
  return out;
}

/**
 * The policy's size as S3 would count it, over-estimated: unresolved names (the bucket's, the partition) are counted
 * as the CloudFormation functions that stand for them, which are longer than any value they resolve to.
 */
export function policyBytes(stack: Stack, statements: PolicyStatement[]): number {
  const document = { Version: '2012-10-17', Statement: statements.map((s) => s.toStatementJson()) };
  return Buffer.byteLength(JSON.stringify(stack.resolve(document)), 'utf8');
}

/** Refuses, at synth, a delivery policy S3 would refuse at deploy. */
export function checkPolicySize(stack: Stack, statements: PolicyStatement[], room = 2048): void {
  const bytes = policyBytes(stack, statements);
  if (bytes + room > BUCKET_POLICY_MAX_BYTES) {
    throw new Error(`elbship: the bucket policy for ${statements.length} statements is about ${bytes} bytes, over S3's `
      + `${BUCKET_POLICY_MAX_BYTES} (with ${room} kept for elbship's other statements): set organizationId to bind NLB's `
      + 'log delivery by organization in one statement');
  }
}
