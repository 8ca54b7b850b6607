#!/usr/bin/env node
/**
 * The elbship CDK app: `npx cdk deploy -c elbship:<option>=<value> ...` (see docs/cdk.md for every option).
 * `-c elbship:stack=` chooses what the app holds: `elbship` (the default: the pipeline), `destination-role` (the role
 * a member account gives elbship, for StackSets) or `source-bucket` (for a log bucket another account owns).
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { accountList, configFromContext } from '../lib/config';
import { DestinationRoleStack } from '../lib/destination-role';
import { ElbshipStack } from '../lib/elbship-stack';
import { SourceBucketStack } from '../lib/source-bucket-stack';

// ELBSHIP_SKIP_BUNDLING=1 synthesizes without building the functions (the local stack only needs the definition).
const skipBundling = process.env.ELBSHIP_SKIP_BUNDLING === '1';
const app = new App(skipBundling ? { context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } } : {});
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
const config = configFromContext(app);
const which = String(app.node.tryGetContext('elbship:stack') ?? 'elbship');
const context = (name: string): string | undefined => {
  const v = app.node.tryGetContext(`elbship:${name}`);
  return v === undefined ? undefined : String(v);
};
switch (which) {
  case 'elbship':
    new ElbshipStack(app, 'Elbship', {
      description: 'elbship: Elastic Load Balancing access logs from S3 to CloudWatch Logs, every line accounted for',
      env,
      config,
    });
    break;
  case 'destination-role':
    new DestinationRoleStack(app, 'ElbshipDestinationRole', {
      description: 'elbship: the role elbship assumes to write this account\'s load balancer logs to its CloudWatch Logs',
    });
    break;
  case 'source-bucket': {
    const elbshipAccount = context('elbshipAccount');
    if (!config.sourceBucketName || !elbshipAccount) {
      throw new Error('elbship: the source-bucket stack needs elbship:sourceBucketName and elbship:elbshipAccount');
    }
    new SourceBucketStack(app, 'ElbshipSourceBucket', {
      description: "elbship: forwards a log bucket's Object Created events to elbship, and the bucket policy elbship needs",
      env,
      bucketName: config.sourceBucketName,
      keyPrefix: config.keyPrefix,
      elbshipAccount,
      elbshipStackName: context('elbshipStackName') ?? 'Elbship',
      accounts: [...new Set([...(env.account ? [env.account] : []), elbshipAccount, ...accountList(config.allowedAccounts)])],
      organizationId: config.organizationId,
      deployBucketPolicy: context('deployBucketPolicy') === 'true',
    });
    break;
  }
  default:
    throw new Error(`elbship: elbship:stack must be elbship, destination-role or source-bucket, not ${which}`);
}
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
