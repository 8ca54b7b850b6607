/**
 * The state machines: Standard from `statemachine/elbship.asl.json` (plan, Map of ship workers, verify) and
 * Express from `statemachine/elbship-express.asl.json` (one call of the object function, for small objects), with
 * the function ARNs substituted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { IKey } from 'aws-cdk-lib/aws-kms';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, LogGroupClass, RetentionDays } from 'aws-cdk-lib/aws-logs';
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
    // and output (the verified ledger), to a log group of the Infrequent Access class (half the ingestion price;
    // the console and Logs Insights read it).
    this.expressStateMachine = definedStateMachine(this, 'express-state-machine', 'express-logs', {
      ...logging,
      type: StateMachineType.EXPRESS,
      comment: 'elbship, Express route: one small ELB log object in one call; what it cannot finish goes Standard',
      file: EXPRESS_DEFINITION_FILE,
      substitutions: { ObjectFunctionArn: props.object.functionArn },
      includeExecutionData: true,
      logGroupClass: LogGroupClass.INFREQUENT_ACCESS,
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
  readonly logGroupClass?: LogGroupClass;
}

/** The state machine `id`, every event of its executions logged to its own log group `logsId`, kept on delete. */
export function definedStateMachine(scope: Construct, id: string, logsId: string, p: DefinedStateMachineProps): StateMachine {
  const logs = new LogGroup(scope, logsId, {
    retention: p.logRetention,
    encryptionKey: p.logKey,
    logGroupClass: p.logGroupClass,
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
