/** The five Rust Lambda functions, built by cargo-lambda from the workspace, each with its own log group. */
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';
import { environmentFor, FunctionName, reads } from './environment';

export const WORKSPACE_MANIFEST = path.join(__dirname, '..', '..', 'Cargo.toml');

export interface ElbshipFunctionsProps {
  readonly architecture: Architecture;
  /** Values of the functions' variables (unset ones left out); each function gets those it reads. */
  readonly variables: Record<string, string | undefined>;
  readonly logRetention: RetentionDays;
  readonly logKey?: IKey;
  readonly tracing: boolean;
}

interface Spec {
  readonly binary: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  readonly description: string;
}

const SPECS: Record<FunctionName, Spec> = {
  // start and object wait on AWS calls for small objects, so they get the least memory (billed per MB-second).
  start: { binary: 'elbship-start', memoryMb: 128, timeout: Duration.minutes(1), description: 'elbship: S3 Object Created -> one execution per log object' },
  // 1,769 MB is one full vCPU: plan inflates the whole object once.
  plan: { binary: 'elbship-plan', memoryMb: 1769, timeout: Duration.minutes(15), description: 'elbship: read the object once, count lines, cut spans' },
  ship: { binary: 'elbship-ship', memoryMb: 1769, timeout: Duration.minutes(15), description: 'elbship: ship one span to CloudWatch Logs' },
  verify: { binary: 'elbship-verify', memoryMb: 256, timeout: Duration.minutes(1), description: 'elbship: prove every line is accounted for' },
  // The Express route: small objects only (ELBSHIP_EXPRESS_MAX_BYTES), inside Express's 5 minutes with a retry.
  object: { binary: 'elbship-object', memoryMb: 128, timeout: Duration.minutes(2), description: 'elbship: plan, ship and verify one small object in one call' },
};

export class ElbshipFunctions extends Construct {
  readonly start: RustFunction;
  readonly plan: RustFunction;
  readonly ship: RustFunction;
  readonly verify: RustFunction;
  readonly object: RustFunction;

  constructor(scope: Construct, id: string, props: ElbshipFunctionsProps) {
    super(scope, id);
    const make = (name: FunctionName): RustFunction => {
      const spec = SPECS[name];
      const logGroup = new LogGroup(this, `${name}-logs`, {
        retention: props.logRetention,
        encryptionKey: props.logKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      return new RustFunction(this, name, {
        manifestPath: WORKSPACE_MANIFEST,
        binaryName: spec.binary,
        runtime: 'provided.al2023',
        architecture: props.architecture,
        bundling: { architecture: props.architecture },
        memorySize: spec.memoryMb,
        timeout: spec.timeout,
        description: spec.description,
        environment: { ...environmentFor(name, props.variables), AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' },
        logGroup,
        tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      });
    };
    this.start = make('start');
    this.plan = make('plan');
    this.ship = make('ship');
    this.verify = make('verify');
    this.object = make('object');
  }

  /** Sets a variable on every function that reads it (the wiring of resources made after the functions). */
  setVariable(name: string, value: string): void {
    for (const fn of ['start', 'plan', 'ship', 'verify', 'object'] as FunctionName[]) {
      if (reads(fn, name)) this[fn].addEnvironment(name, value);
    }
  }
}
