/** The Standard state machine, from `statemachine/elbship.asl.json` with the function ARNs substituted. */
import * as fs from 'fs';
import * as path from 'path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { IKey } from 'aws-cdk-lib/aws-kms';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The definition file both this app and the local stack run. */
export const DEFINITION_FILE = path.join(__dirname, '..', '..', 'statemachine', 'elbship.asl.json');

export interface WorkflowProps {
  readonly plan: IFunction;
  readonly ship: IFunction;
  readonly verify: IFunction;
  readonly logRetention: RetentionDays;
  readonly logKey?: IKey;
  readonly tracing: boolean;
}

export class Workflow extends Construct {
  readonly stateMachine: StateMachine;

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
  }
}
