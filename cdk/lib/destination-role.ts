/**
 * The role elbship assumes in a member account when each load balancer's logs go to its own account
 * (`destinationMode: source-account`): a stack of CloudFormation parameters only, so one template deploys to every
 * account of an organization with StackSets. It trusts only elbship's function roles (by ARN pattern, in elbship's
 * account), with the external id, and may do on log groups exactly what the functions do there.
 */
import { CfnOutput, CfnParameter, DefaultStackSynthesizer, Fn, Stack, StackProps } from 'aws-cdk-lib';
import { AccountPrincipal, PolicyDocument, Role } from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { defaultOf } from './environment';
import { DESTINATION_ONLY_ACTIONS, TargetLogGroups } from './target-logs';

/** The role's default name: what `destinationRoleName` defaults to on the elbship side. */
export const DESTINATION_ROLE_NAME = defaultOf('ELBSHIP_DESTINATION_ROLE');

/** ARNs of the roles that may assume a destination role: every role of the elbship stack in its account. */
export function elbshipRolePattern(partition: string, account: string, stackName: string): string {
  return `arn:${partition}:iam::${account}:role/${stackName}-*`;
}

export class DestinationRoleStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props?: StackProps) {
    // StackSets deploy the template to accounts CDK never bootstrapped: no bootstrap version check.
    super(scope, id, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }), ...props });
    const elbshipAccount = new CfnParameter(this, 'ElbshipAccount', {
      type: 'String', allowedPattern: '^[0-9]{12}$', description: 'The account elbship runs in',
    });
    const stackName = new CfnParameter(this, 'ElbshipStackName', {
      type: 'String', default: 'Elbship', allowedPattern: '^[A-Za-z][A-Za-z0-9-]{0,127}$',
      description: "The elbship stack's name: its function roles are named after it",
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String', noEcho: true, minLength: 2, maxLength: 1224, allowedPattern: '^[\\w+=,.@:/-]+$',
      description: "elbship's destinationExternalId",
    });
    const roleName = new CfnParameter(this, 'RoleName', {
      type: 'String', default: DESTINATION_ROLE_NAME, allowedPattern: '^[\\w+=,.@-]{1,64}$',
      description: "elbship's destinationRoleName",
    });
    const template = new CfnParameter(this, 'LogGroupTemplate', {
      type: 'String', default: defaultOf('ELBSHIP_LOG_GROUP_TEMPLATE'),
      description: "elbship's logGroupTemplate (only its fixed part before the first { is used)",
    });
    // The grants are those of the functions on their own account's groups, in every Region, plus tagging and
    // field index policies; the fixed prefix is cut from the parameter by CloudFormation.
    const prefix = Fn.select(0, Fn.split('{', template.valueAsString));
    const groups = new TargetLogGroups({ partition: this.partition, account: this.account, region: '*' }, prefix);
    this.role = new Role(this, 'role', {
      roleName: roleName.valueAsString,
      description: 'elbship writes the load balancer logs of this account here',
      assumedBy: new AccountPrincipal(elbshipAccount.valueAsString).withConditions({
        StringEquals: { 'sts:ExternalId': externalId.valueAsString },
        ArnLike: { 'aws:PrincipalArn': elbshipRolePattern(this.partition, elbshipAccount.valueAsString, stackName.valueAsString) },
      }),
      inlinePolicies: {
        logs: new PolicyDocument({ statements: [...groups.describeStatements(), ...groups.writeStatements(DESTINATION_ONLY_ACTIONS)] }),
      },
    });
    new CfnOutput(this, 'RoleArn', { value: this.role.roleArn, description: 'The role elbship assumes in this account' });
    NagSuppressions.addResourceSuppressions(this.role, [
      { id: 'AwsSolutions-IAM5', reason: "Log group ARNs are scoped to elbship's group prefix in this account (any Region, any stream in them); DescribeLogGroups authorizes only on log-group:*." },
    ]);
  }
}

