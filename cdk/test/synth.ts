/** Synthesizes the stack for tests, without building the Rust functions (bundling skipped). */
import { App, Aspects } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ElbshipConfig } from '../lib/config';
import { ElbshipStack } from '../lib/elbship-stack';

export function synth(config: ElbshipConfig = {}, nag = false): { stack: ElbshipStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ElbshipStack(app, 'Elbship', { env: { account: '111122223333', region: 'eu-west-1' }, config });
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}
