/**
 * The log groups elbship writes to: every group under the configured template's fixed prefix. They are created by
 * the functions (when PutLogEvents finds them missing), not by CloudFormation, so this is not a construct of
 * resources but the grants on them, in one place: the functions' own (their account, and their Region or every
 * Region when each load balancer's logs stay in its Region) and a destination account's role (`destination-role.ts`).
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Grantee } from './buckets';

/** Where the groups are: a partition, an account and a Region (`*` for any). */
export interface GroupsWhere {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/**
 * Actions a destination account's role carries beyond what the functions use today: tagging the groups it creates
 * and their field index policies (issue 19's facets and indexes), so the role need not be redeployed for them.
 */
export const DESTINATION_ONLY_ACTIONS = ['logs:TagResource', 'logs:PutIndexPolicy'];

export class TargetLogGroups {
  private readonly groupArn: string;
  private readonly anyGroupArn: string;

  /** The groups under `groupPrefix` (the fixed part of the log group template: `logGroupPrefix`). */
  constructor(where: GroupsWhere, groupPrefix: string) {
    const base = `arn:${where.partition}:logs:${where.region}:${where.account}:log-group:`;
    this.groupArn = `${base}${groupPrefix}*`;
    this.anyGroupArn = `${base}*`;
  }

  /** Reading a group's retention (DescribeLogGroups authorizes on the account's log groups as a whole). */
  describeStatements(): PolicyStatement[] {
    return [new PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: [this.anyGroupArn] })];
  }

  /**
   * Sending events, reading a stream back to settle a batch whose answer was lost (GetLogEvents, only then), and
   * creating the group and stream when PutLogEvents finds them missing (not per object).
   */
  writeStatements(extraGroupActions: string[] = []): PolicyStatement[] {
    return [
      new PolicyStatement({ actions: ['logs:PutLogEvents', 'logs:GetLogEvents'], resources: [`${this.groupArn}:log-stream:*`] }),
      new PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutRetentionPolicy', ...extraGroupActions],
        resources: [this.groupArn],
      }),
    ];
  }

  grantDescribe(fn: Grantee): void {
    for (const s of this.describeStatements()) fn.addToRolePolicy(s);
  }

  grantWrite(fn: Grantee): void {
    for (const s of this.writeStatements()) fn.addToRolePolicy(s);
  }
}
