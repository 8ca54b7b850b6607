/**
 * One elbship for an organization: the delivery policy per allowed account, the destination modes' grants, the
 * member accounts' role (StackSets) and the stack for a bucket another account owns.
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BUCKET_POLICY_MAX_BYTES } from '../lib/delivery-policy';
import { DestinationRoleStack } from '../lib/destination-role';
import { SourceBucketStack, SourceBucketStackProps } from '../lib/source-bucket-stack';
import { synth } from './synth';

const HOME = '111122223333';
const A = '222233334444';
const B = '555566667777';

function bucketPolicy(template: Template): any[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')) as any[];
  const delivery = policies.find((p) => JSON.stringify(p).includes('delivery.logs.amazonaws.com'));
  return delivery.Properties.PolicyDocument.Statement;
}

const text = (v: unknown) => JSON.stringify(v);
const prefixOf = (account: string) => new RegExp(`/AWSLogs/${account}/\\*`);

describe('the delivery policy of a new bucket', () => {
  test('by default, only elbship\'s own account may deliver, under its own prefix', () => {
    const sts = bucketPolicy(synth().template);
    const elb = sts.find((s) => s.Sid === 'ElbLogDelivery');
    expect([].concat(elb.Resource).map(text)).toEqual([expect.stringMatching(prefixOf(HOME))]);
    const nlb = sts.filter((s) => text(s.Principal).includes('delivery.logs'));
    expect(nlb.map((s) => s.Sid).sort()).toEqual(['NlbLogDeliveryAclCheck', 'NlbLogDeliveryWrite']);
  });

  test('each allowed account delivers under its own prefix only: every condition names the account its resource names', () => {
    const sts = bucketPolicy(synth({ allowedAccounts: `${A}, ${B}` }).template);
    const elb = sts.find((s) => s.Sid === 'ElbLogDelivery');
    expect([].concat(elb.Resource).map(text)).toEqual([HOME, A, B].map((a) => expect.stringMatching(prefixOf(a))));
    const legacy = sts.find((s) => s.Sid === 'ElbLogDeliveryLegacyRegion');
    expect([].concat(legacy.Resource)).toHaveLength(3);
    const writes = sts.filter((s) => text(s.Principal).includes('delivery.logs') && s.Action === 's3:PutObject');
    expect(writes).toHaveLength(3);
    for (const w of writes) {
      const account = w.Condition.StringEquals['aws:SourceAccount'];
      expect(text(w.Resource)).toMatch(prefixOf(account));
      expect(text(w.Condition.ArnLike['aws:SourceArn'])).toContain(`:logs:*:${account}:*`);
      expect(w.Condition.StringEquals['s3:x-amz-acl']).toBe('bucket-owner-full-control');
    }
    expect(writes.map((w) => w.Condition.StringEquals['aws:SourceAccount']).sort()).toEqual([HOME, A, B].sort());
  });

  test('with an organization id, NLB delivery is bound by the organization in one statement', () => {
    const sts = bucketPolicy(synth({ allowedAccounts: `${A},${B}`, organizationId: 'o-abcdefghij' }).template);
    const nlb = sts.filter((s) => text(s.Principal).includes('delivery.logs'));
    expect(nlb).toHaveLength(2);
    for (const s of nlb) expect(s.Condition.StringEquals['aws:SourceOrgID']).toBe('o-abcdefghij');
    expect([].concat(nlb.find((s) => s.Action === 's3:PutObject').Resource)).toHaveLength(3);
  });

  test("a policy S3 would refuse (over 20 KB) is refused at synth, and the organization id makes it fit", () => {
    const many = Array.from({ length: 40 }, (_, i) => String(100000000000 + i)).join(',');
    expect(() => synth({ allowedAccounts: many })).toThrow(/organizationId/);
    const { template } = synth({ allowedAccounts: many, organizationId: 'o-abcdefghij' });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p: any) => text(p).includes('delivery.logs')) as any;
    // The deployed size: CloudFormation functions stand in for names, so this over-counts what S3 sees.
    expect(Buffer.byteLength(text(policy.Properties.PolicyDocument))).toBeLessThan(BUCKET_POLICY_MAX_BYTES);
  });

  test('bad organization settings are refused at synth', () => {
    expect(() => synth({ organizationId: 'org-1' })).toThrow(/organizationId/);
    expect(() => synth({ destinationMode: 'everywhere' as never })).toThrow(/destinationMode/);
    expect(() => synth({ destinationMode: 'source-account', allowedAccounts: A })).toThrow(/destinationExternalId/);
    expect(() => synth({ destinationMode: 'source-account', destinationExternalId: 'x y' })).toThrow(/destinationExternalId/);
    expect(() => synth({ sourceBucketAccount: A })).toThrow(/sourceBucketName/);
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(() => synth({ destinationMode: 'central-source-region', logGroupKmsKeyArn: key })).toThrow(/logGroupKmsKeyArn/);
    expect(() => synth({ logGroupKmsKeyArn: key })).not.toThrow();
  });
});

function statementsOf(template: Template, role: RegExp): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => role.test(text(r))))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

const resourcesOf = (sts: any[], action: string) =>
  sts.filter((s) => [].concat(s.Action).includes(action as never)).flatMap((s) => [].concat(s.Resource)).map(text);

describe('destination modes', () => {
  test('central: the log groups of elbship\'s own Region; no role assumed anywhere', () => {
    const { template } = synth({ allowedAccounts: A });
    for (const fn of [/ship/, /plan/, /functionsobject/]) {
      expect(resourcesOf(statementsOf(template, fn), 'logs:DescribeLogGroups')[0]).toContain(':logs:eu-west-1:111122223333:');
      expect(resourcesOf(statementsOf(template, fn), 'sts:AssumeRole')).toEqual([]);
    }
  });

  test('central-source-region: elbship\'s own account, any Region', () => {
    const { template } = synth({ destinationMode: 'central-source-region' });
    const ship = statementsOf(template, /ship/);
    for (const action of ['logs:PutLogEvents', 'logs:CreateLogGroup', 'logs:DescribeLogGroups']) {
      expect(resourcesOf(ship, action).every((r) => r.includes(':logs:*:111122223333:'))).toBe(true);
    }
  });

  test('source-account: the functions that write logs assume exactly each allowed account\'s role, and get the mode', () => {
    const { template } = synth({ destinationMode: 'source-account', allowedAccounts: `${A},${B}`, destinationExternalId: 'elbship-x1', destinationRoleName: 'elbship-dest' });
    for (const fn of [/ship/, /plan/, /functionsobject/]) {
      expect(resourcesOf(statementsOf(template, fn), 'sts:AssumeRole').sort()).toEqual(
        [A, B].map((a) => expect.stringContaining(`:iam::${a}:role/elbship-dest`)),
      );
    }
    for (const fn of [/start/, /verify/]) expect(resourcesOf(statementsOf(template, fn), 'sts:AssumeRole')).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('ship one span'),
      Environment: { Variables: Match.objectLike({ ELBSHIP_DESTINATION_MODE: 'source-account', ELBSHIP_DESTINATION_ROLE: 'elbship-dest', ELBSHIP_DESTINATION_EXTERNAL_ID: 'elbship-x1' }) },
    });
  });

  test('a bucket another account owns: its account may put events on elbship\'s bus, nobody else', () => {
    const { template } = synth({ sourceBucketName: 'central-logs', sourceBucketAccount: A });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: { Effect: 'Allow', Action: 'events:PutEvents', Principal: { AWS: Match.objectLike({ 'Fn::Join': Match.anyValue() }) } },
    });
    expect(text(template.findResources('AWS::Events::EventBusPolicy'))).toContain(`:iam::${A}:root`);
    expect(Object.keys(synth({ sourceBucketName: 'central-logs' }).template.findResources('AWS::Events::EventBusPolicy'))).toEqual([]);
  });
});

function nagFindings(stack: Stack): string[] {
  const a = Annotations.fromStack(stack);
  return [...a.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...a.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))]
    .map((e) => `${e.id}: ${String(e.entry.data).slice(0, 120)}`);
}

describe('the destination role stack (StackSets)', () => {
  const app = new App();
  const stack = new DestinationRoleStack(app, 'ElbshipDestinationRole');
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  const template = Template.fromStack(stack);
  const json = template.toJSON();

  test('trusts only elbship\'s roles in elbship\'s account, with the external id', () => {
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as any;
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(text(trust.Principal)).toContain('ElbshipAccount');
    expect(trust.Condition.StringEquals['sts:ExternalId']).toEqual({ Ref: 'ExternalId' });
    expect(text(trust.Condition.ArnLike['aws:PrincipalArn'])).toMatch(/:role\/.*ElbshipStackName.*-\*/);
    expect(json.Parameters.ExternalId.NoEcho).toBe(true);
  });

  test('carries every log-group action the functions use, and only log-group actions', () => {
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as any;
    const granted = new Set(role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement.flatMap((s: any) => [].concat(s.Action))));
    const { template: elbship } = synth({ destinationMode: 'source-account', allowedAccounts: A, destinationExternalId: 'elbship-x1' });
    const used = new Set(['ship', 'plan', 'functionsobject'].flatMap((fn) => statementsOf(elbship, new RegExp(fn)).flatMap((s) => [].concat(s.Action)))
      .filter((a: string) => a.startsWith('logs:')));
    expect(used.size).toBeGreaterThan(3);
    for (const action of used) expect(granted).toContain(action);
    for (const action of granted) expect(String(action)).toMatch(/^logs:/);
    expect(granted).toContain('logs:TagResource');
  });

  test('deploys anywhere StackSets reach: no bootstrap version check, no assets', () => {
    expect(json.Rules?.CheckBootstrapVersion).toBeUndefined();
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
  });

  test('cdk-nag clean', () => expect(nagFindings(stack)).toEqual([]));
});

describe('the source bucket stack (a bucket another account owns)', () => {
  const make = (extra: Partial<SourceBucketStackProps> = {}) => {
    const app = new App();
    const stack = new SourceBucketStack(app, 'ElbshipSourceBucket', {
      env: { account: A, region: 'eu-west-1' }, bucketName: 'org-elb-logs', elbshipAccount: HOME, elbshipStackName: 'Elbship',
      accounts: [A, HOME, B], deployBucketPolicy: false, ...extra,
    });
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    return { stack, template: Template.fromStack(stack) };
  };

  test("forwards the bucket's ELB log events to elbship's default bus", () => {
    const { template } = make();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['org-elb-logs'] } } },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    expect(text(template.toJSON())).toContain(`:events:eu-west-1:${HOME}:event-bus/default`);
  });

  test('writes no bucket policy unless asked (it would replace the bucket\'s own)', () => {
    make().template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    const { template } = make({ deployBucketPolicy: true });
    const [policy] = Object.values(template.findResources('AWS::S3::BucketPolicy')) as any[];
    const sts = policy.Properties.PolicyDocument.Statement;
    const read = sts.find((s: any) => s.Sid === 'ElbshipReadLogs');
    expect(read.Action).toBe('s3:GetObject');
    expect(text(read.Condition.ArnLike['aws:PrincipalArn'])).toContain(`:iam::${HOME}:role/Elbship-*`);
    expect(sts.filter((s: any) => text(s.Principal).includes('delivery.logs') && s.Action === 's3:PutObject')).toHaveLength(3);
    expect(sts.find((s: any) => s.Sid === 'DenyInsecureTransport').Effect).toBe('Deny');
  });

  test('refuses an account id that is not one', () => {
    expect(() => make({ accounts: ['12345'] })).toThrow(/12-digit/);
  });

  test('cdk-nag clean', () => {
    expect(nagFindings(make().stack)).toEqual([]);
    expect(nagFindings(make({ deployBucketPolicy: true }).stack)).toEqual([]);
  });
});
