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
    const logs = new LogGroup(this, 'logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'state-machine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: 'elbship: one ELB log object from S3 to CloudWatch Logs, every line accounted for',
      // Inline, so the template itself carries the definition (the local stack runs it from there).
      definitionBody: DefinitionBody.fromString(fs.readFileSync(DEFINITION_FILE, 'utf8')),
      definitionSubstitutions: {
        PlanFunctionArn: props.plan.functionArn,
        ShipFunctionArn: props.ship.functionArn,
        VerifyFunctionArn: props.verify.functionArn,
      },
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: props.tracing,
    });
    for (const fn of [props.plan, props.ship, props.verify]) {
      fn.grantInvoke(this.stateMachine);
    }
    // Express executions are visible in the console only through their logs: every one is logged, with its input
    // and output (the verified ledger), to a log group of the Infrequent Access class (half the ingestion price;
    // the console and Logs Insights read it).
    const expressLogs = new LogGroup(this, 'express-logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      logGroupClass: LogGroupClass.INFREQUENT_ACCESS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.expressStateMachine = new StateMachine(this, 'express-state-machine', {
      stateMachineType: StateMachineType.EXPRESS,
      comment: 'elbship, Express route: one small ELB log object in one call; what it cannot finish goes Standard',
      definitionBody: DefinitionBody.fromString(fs.readFileSync(EXPRESS_DEFINITION_FILE, 'utf8')),
      definitionSubstitutions: { ObjectFunctionArn: props.object.functionArn },
      logs: { destination: expressLogs, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: props.tracing,
    });
    props.object.grantInvoke(this.expressStateMachine);
  }
}
