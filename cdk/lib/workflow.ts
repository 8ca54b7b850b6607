/**
 * The state machines: Standard from `statemachine/elbship.asl.json` (plan, Map of ship workers, verify) and
 * Express from `statemachine/elbship-express.asl.json` (one call of the object function, for small objects), with
 * the function ARNs substituted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Aws, Fn, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { IKey } from 'aws-cdk-lib/aws-kms';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The definition file both this app and the local stack run. */
export const DEFINITION_FILE = path.join(__dirname, '..', '..', 'statemachine', 'elbship.asl.json');
export const EXPRESS_DEFINITION_FILE = path.join(__dirname, '..', '..', 'statemachine', 'elbship-express.asl.json');

export interface WorkflowProps {
  readonly plan: IFunction;
  readonly ship: IFunction;
  readonly verify: IFunction;
  readonly object: IFunction;
  readonly logRetention: RetentionDays;
  readonly logKey?: IKey;
  readonly tracing: boolean;
}

export class Workflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly expressStateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const logging = { logRetention: props.logRetention, logKey: props.logKey, tracing: props.tracing };
    this.stateMachine = definedStateMachine(this, 'state-machine', 'logs', {
      ...logging,
      type: StateMachineType.STANDARD,
      comment: 'elbship: one ELB log object from S3 to CloudWatch Logs, every line accounted for',
      file: DEFINITION_FILE,
      substitutions: {
        PlanFunctionArn: props.plan.functionArn,
        ShipFunctionArn: props.ship.functionArn,
        VerifyFunctionArn: props.verify.functionArn,
      },
    });
    for (const fn of [props.plan, props.ship, props.verify]) {
      fn.grantInvoke(this.stateMachine);
    }
    // Express executions are visible in the console only through their logs: every one is logged, with its input
    // and output (the verified ledger). The group is of the Standard class: AWS documents no other class as a Step
    // Functions log destination (Infrequent Access would halve the price, and might be refused at create).
    this.expressStateMachine = definedStateMachine(this, 'express-state-machine', 'express-logs', {
      ...logging,
      type: StateMachineType.EXPRESS,
      comment: 'elbship, Express route: one small ELB log object in one call; what it cannot finish goes Standard',
      file: EXPRESS_DEFINITION_FILE,
      substitutions: { ObjectFunctionArn: props.object.functionArn },
      includeExecutionData: true,
    });
    props.object.grantInvoke(this.expressStateMachine);
  }
}

/** A state machine as one of elbship's definition files deploys it. */
export interface DefinedStateMachineProps {
  readonly type: StateMachineType;
  readonly comment: string;
  /** The `statemachine/` file: inline, so the template itself carries the definition (the local stack runs it). */
  readonly file: string;
  readonly substitutions: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly logKey?: IKey;
  readonly tracing: boolean;
  /** Log each execution's input and output too (default false). */
  readonly includeExecutionData?: boolean;
}

/** Where Step Functions' log groups go: under `/aws/vendedlogs/`, a delivery needs no entry in the account's shared
 * CloudWatch Logs resource policy (5,120 characters, which busy accounts fill: "Invalid Logging Configuration"). */
export const STATE_MACHINE_LOG_PREFIX = '/aws/vendedlogs/states/';

/**
 * The log group name of one state machine: `/aws/vendedlogs/states/{construct path}-{stack id}`, where the stack id is
 * the first part of the stack's own UUID. The groups are kept when the stack is deleted, so a name without it would
 * make a redeploy of the same stack fail ("already exists").
 */
export function stateMachineLogGroupName(scope: Construct, logsId: string): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  const shortId = Fn.select(0, Fn.split('-', stackUuid));
  const path = Names.uniqueResourceName(scope, { maxLength: 160, separator: '-' });
  return `${STATE_MACHINE_LOG_PREFIX}${Stack.of(scope).stackName}/${path}-${logsId}-${shortId}`;
}

/** The state machine `id`, every event of its executions logged to its own log group `logsId`, kept on delete. */
export function definedStateMachine(scope: Construct, id: string, logsId: string, p: DefinedStateMachineProps): StateMachine {
  const logs = new LogGroup(scope, logsId, {
    logGroupName: stateMachineLogGroupName(scope, logsId),
    retention: p.logRetention,
    encryptionKey: p.logKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return new StateMachine(scope, id, {
    stateMachineType: p.type,
    comment: p.comment,
    definitionBody: DefinitionBody.fromString(fs.readFileSync(p.file, 'utf8')),
    definitionSubstitutions: p.substitutions,
    logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: p.includeExecutionData ?? false },
    tracingEnabled: p.tracing,
  });
}
