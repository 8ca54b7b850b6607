#!/usr/bin/env node
/** The elbship CDK app: `npx cdk deploy -c elbship:<option>=<value> ...` (see the README for every option). */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config';
import { ElbshipStack } from '../lib/elbship-stack';

// ELBSHIP_SKIP_BUNDLING=1 synthesizes without building the functions (the local stack only needs the definition).
const skipBundling = process.env.ELBSHIP_SKIP_BUNDLING === '1';
const app = new App(skipBundling ? { context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } } : {});
new ElbshipStack(app, 'Elbship', {
  description: 'elbship: Elastic Load Balancing access logs from S3 to CloudWatch Logs, every line accounted for',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  config: configFromContext(app),
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
