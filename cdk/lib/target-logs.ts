/**
 * The log groups elbship writes to: every group under the configured template's fixed prefix, in the stack's account
 * and Region. They are created by the functions (when PutLogEvents finds them missing), not by CloudFormation, so
 * this is not a construct of resources but the grants on them.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Grantee } from './buckets';
import { logGroupPrefix } from './config';

export class TargetLogGroups {
  private readonly groupArn: string;
  private readonly anyGroupArn: string;

  constructor(stack: Stack, template: string) {
    const base = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:`;
    this.groupArn = `${base}${logGroupPrefix(template)}*`;
    this.anyGroupArn = `${base}*`;
  }

  /** Reading a group's retention (DescribeLogGroups authorizes on the account's log groups as a whole). */
  grantDescribe(fn: Grantee): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: [this.anyGroupArn] }));
  }

  /**
   * Sending events, reading a stream back to settle a batch whose answer was lost (GetLogEvents, only then), and
   * creating the group and stream when PutLogEvents finds them missing (not per object).
   */
  grantWrite(fn: Grantee): void {
    fn.addToRolePolicy(new PolicyStatement({
      actions: ['logs:PutLogEvents', 'logs:GetLogEvents'],
      resources: [`${this.groupArn}:log-stream:*`],
    }));
    fn.addToRolePolicy(new PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutRetentionPolicy'],
      resources: [this.groupArn],
    }));
  }
}
