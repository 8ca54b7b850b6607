/**
 * The functions' environment, from `configuration.json`: generated from the Rust declaration of every variable
 * (`functions/aws/src/config/variables.rs`, `cargo run -p elbship-xtask -- docs`), so the CDK app never restates a
 * default or guesses which function reads what. Each function gets only the variables it reads, and only those the
 * app wires (resource names and ARNs) or an operator chose: unset, the code's default applies.
 */
import * as fs from 'fs';
import * as path from 'path';

export type FunctionName = 'start' | 'plan' | 'ship' | 'verify' | 'object';

interface Variable {
  readonly name: string;
  readonly default: string | null;
  readonly readBy: FunctionName[];
  readonly setBy: 'wiring' | 'operator';
}

const CONFIGURATION = JSON.parse(fs.readFileSync(path.join(__dirname, 'configuration.json'), 'utf8'));
const VARIABLES: Variable[] = CONFIGURATION.variables;

/** The retention values CloudWatch Logs accepts, as the functions check them. */
export const RETENTION_DAYS: number[] = CONFIGURATION.retentionDays;

function declared(name: string): Variable {
  const v = VARIABLES.find((x) => x.name === name);
  if (!v) throw new Error(`elbship: ${name} is not a variable the functions read (see cdk/lib/configuration.json)`);
  return v;
}

/** The code's default of a variable (what applies when the app sets nothing). */
export function defaultOf(name: string): string {
  const d = declared(name).default;
  if (d === null) throw new Error(`elbship: ${name} has no default`);
  return d;
}

/** Whether `fn` reads the variable `name`. */
export function reads(fn: FunctionName, name: string): boolean {
  return declared(name).readBy.includes(fn);
}

/** The environment of `fn`: the values given (unset ones left out) of the variables it reads. */
export function environmentFor(fn: FunctionName, values: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && reads(fn, name)) out[name] = value;
  }
  return out;
}
