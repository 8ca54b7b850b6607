/** Assertion tests: resources, properties, IAM statements, the EventBridge pattern, the deployed definition. */
import * as fs from 'fs';
import { Match } from 'aws-cdk-lib/assertions';
import { ElbshipDashboard } from '../lib/dashboard';
import { DEFINITION_FILE, EXPRESS_DEFINITION_FILE } from '../lib/workflow';
import { BACKFILL_DEFINITION_FILE } from '../lib/backfill';
import { synth } from './synth';

const GROUP_ARN = 'arn:${AWS::Partition}:logs:eu-west-1:111122223333:log-group:/elbship/*';

function statements(template: ReturnType<typeof synth>['template'], role: RegExp): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([, p]: [string, any]) => p.Properties.Roles.some((r: any) => role.test(JSON.stringify(r))))
    .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);
}

function actionsOn(sts: any[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of sts) {
    for (const a of [].concat(s.Action)) out[a] = [...(out[a] ?? []), ...[].concat(s.Resource).map((r) => JSON.stringify(r))];
  }
  return out;
}

describe('the elbship stack', () => {
  const { template } = synth();

  test('five arm64 provided.al2023 functions, each with its own log group and retention', () => {
    template.resourceCountIs('AWS::Lambda::Function', 5 + 1 /* CDK's bucket-notifications handler */);
    const rust = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'provided.al2023' } });
    expect(Object.keys(rust)).toHaveLength(5);
    for (const fn of Object.values(rust) as any[]) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('bootstrap');
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 8); // five functions, three state machines
  });

  /** The ELBSHIP_ variables of each function, by its binary name. */
  function variablesOf(t: ReturnType<typeof synth>['template']): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    const rust = t.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'provided.al2023' } });
    for (const fn of Object.values(rust) as any[]) {
      const name = /elbship: (\S+)/.exec(fn.Properties.Description)?.[0] ?? '';
      const vars = Object.entries(fn.Properties.Environment.Variables).filter(([k]) => k.startsWith('ELBSHIP_'));
      out[name] = Object.fromEntries(vars);
    }
    return out;
  }

  test('each function gets only the variables it reads, and no default restated', () => {
    const vars = variablesOf(template);
    const names = (fn: string) => Object.keys(vars[fn] ?? {}).sort();
    expect(names('elbship: S3')).toEqual(['ELBSHIP_ACCOUNT', 'ELBSHIP_EXPRESS_STATE_MACHINE_ARN', 'ELBSHIP_STATE_MACHINE_ARN']);
    expect(names('elbship: read')).toEqual(['ELBSHIP_ACCOUNT', 'ELBSHIP_CHECKPOINT_TABLE', 'ELBSHIP_STAGING_BUCKET', 'ELBSHIP_STAGING_PREFIX']);
    expect(names('elbship: ship')).toEqual(['ELBSHIP_CHECKPOINT_TABLE']);
    expect(names('elbship: prove')).toEqual(['ELBSHIP_CHECKPOINT_TABLE']);
    expect(names('elbship: plan,')).toEqual(['ELBSHIP_ACCOUNT', 'ELBSHIP_CHECKPOINT_TABLE', 'ELBSHIP_STAGING_BUCKET', 'ELBSHIP_STAGING_PREFIX', 'ELBSHIP_STATE_MACHINE_ARN']);
  });

  test('an option chosen reaches exactly the functions that read it', () => {
    const vars = variablesOf(synth({ messageMode: 'json', expressMaxBytes: '1MiB', targetRetentionDays: 30 }).template);
    const has = (fn: string, name: string) => vars[fn]?.[name];
    expect([has('elbship: read', 'ELBSHIP_MESSAGE_MODE'), has('elbship: plan,', 'ELBSHIP_MESSAGE_MODE')]).toEqual(['json', 'json']);
    expect(has('elbship: ship', 'ELBSHIP_MESSAGE_MODE')).toBeUndefined();
    expect([has('elbship: S3', 'ELBSHIP_EXPRESS_MAX_BYTES'), has('elbship: plan,', 'ELBSHIP_EXPRESS_MAX_BYTES')]).toEqual(['1MiB', '1MiB']);
    expect(has('elbship: ship', 'ELBSHIP_LOG_GROUP_RETENTION_DAYS')).toBe('30');
    expect(has('elbship: prove', 'ELBSHIP_LOG_GROUP_RETENTION_DAYS')).toBeUndefined();
  });

  test('the deployed definitions are the statemachine/ files with their substitutions', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(3);
    const sm = Object.entries(machines).find(([id]) => id.startsWith('workflowstatemachine'))?.[1] as any;
    const express = Object.values(machines).find((m: any) => m.Properties.StateMachineType === 'EXPRESS') as any;
    expect(JSON.parse(express.Properties.DefinitionString)).toEqual(JSON.parse(fs.readFileSync(EXPRESS_DEFINITION_FILE, 'utf8')));
    expect(Object.keys(express.Properties.DefinitionSubstitutions)).toEqual(['ObjectFunctionArn']);
    // Every Express execution is logged with its data (the console shows it, and its verified ledger, from there).
    expect(express.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    // Standard class: AWS documents no other class as a Step Functions log destination.
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup')) as any[]) {
      expect(group.Properties.LogGroupClass).toBeUndefined();
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ELBSHIP_EXPRESS_STATE_MACHINE_ARN: Match.anyValue() }) },
    });
    expect(sm.Properties.StateMachineType).toBe('STANDARD');
    expect(JSON.parse(sm.Properties.DefinitionString)).toEqual(JSON.parse(fs.readFileSync(DEFINITION_FILE, 'utf8')));
    expect(Object.keys(sm.Properties.DefinitionSubstitutions).sort()).toEqual(['PlanFunctionArn', 'ShipFunctionArn', 'VerifyFunctionArn']);
    for (const v of Object.values(sm.Properties.DefinitionSubstitutions) as any[]) {
      expect(v['Fn::GetAtt'][1]).toBe('Arn');
    }
    expect(sm.Properties.LoggingConfiguration.Level).toBe('ALL');
  });

  test('state machine log groups are under /aws/vendedlogs/states/, named with the stack id so a redeploy never collides', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const groups = template.findResources('AWS::Logs::LogGroup');
    const names = machines.map((m) => {
      const ref = m.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      return JSON.stringify(groups[ref].Properties.LogGroupName);
    });
    expect(names).toHaveLength(3);
    expect(new Set(names).size).toBe(3);
    for (const name of names) {
      expect(name).toContain('/aws/vendedlogs/states/');
      expect(name).toContain('AWS::StackId'); // the stack's own UUID: a new stack, a new name
    }
  });

  test('the backfill state machine: a Distributed Map over the listing, batched, no failure tolerated, results to staging', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const [id, backfill] = Object.entries(machines).find(([k]) => k.startsWith('backfillbackfillstatemachine')) as [string, any];
    expect(backfill.Properties.StateMachineType).toBe('STANDARD');
    const definition = JSON.parse(backfill.Properties.DefinitionString);
    expect(definition).toEqual(JSON.parse(fs.readFileSync(BACKFILL_DEFINITION_FILE, 'utf8')));
    const map = definition.States.ShipObjects;
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:listObjectsV2');
    expect(map.ItemBatcher.BatchInput['backfill.$']).toBe('$$.Execution.Id');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ToleratedFailurePercentage).toBe(0);
    expect(backfill.Properties.DefinitionSubstitutions.ResultPrefix).toBe('elbship-staging/backfills');
    // Its role starts and describes its own child executions, lists the source bucket, writes results to staging.
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const actions = policies
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(id.replace(/[0-9A-F]{8}$/, '')))
      .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((st: any) => [].concat(st.Action)));
    expect(actions).toEqual(expect.arrayContaining([
      'states:StartExecution', 'states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution', 's3:ListBucket', 's3:PutObject', 'lambda:InvokeFunction',
    ]));
    // The children are `execution:<name>/<map run label>:<id>`: describe, stop and redrive must name that shape.
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as any[];
    const childArn = (st: any) => JSON.stringify(st.Resource).includes('/*:*');
    const redrive = statements.find((st) => [].concat(st.Action).includes('states:RedriveExecution' as never));
    expect(redrive && childArn(redrive)).toBe(true);
    const describe = statements.find((st) => [].concat(st.Action).includes('states:DescribeExecution' as never) && childArn(st));
    expect(describe).toBeDefined();
    // The ResultWriter writes compact JSON Lines, so the summary streams them.
    expect(map.ResultWriter.WriterConfig).toEqual({ Transformation: 'COMPACT', OutputType: 'JSONL' });
    template.hasOutput('BackfillStateMachineArn', {});
    // Without an inventory bucket, the backfill reads no inventory.
    expect(JSON.stringify(policies)).not.toContain('inventory');
  });

  test('with an inventory bucket, the backfill reads its manifests and lists, and the Map over them is the same', () => {
    const { template: t } = synth({ inventoryBucketName: 'central-inventory' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':::central-inventory/\\*')])] } })]) },
    });
    const definition = JSON.parse(fs.readFileSync(BACKFILL_DEFINITION_FILE, 'utf8'));
    const { ItemReader: listing, Comment: _a, ...objects } = definition.States.ShipObjects;
    const { ItemReader: inventory, Comment: _b, ...rows } = definition.States.ShipInventory;
    // The same Map but for its reader and its state names, which AWS wants unique in the whole state machine.
    const renamed = JSON.parse(JSON.stringify(rows).replace(/ShipInventoryBatch/g, 'ShipBatch'));
    expect(renamed).toEqual(objects);
    expect(inventory.ReaderConfig.InputType).toBe('MANIFEST');
    expect(listing.Resource).toBe('arn:aws:states:::s3:listObjectsV2');
  });

  test('S3 events reach the start function only for ELB log keys, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ wildcard: '*AWSLogs/*/elasticloadbalancing/*' }] } },
      },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 }, DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  test('a new source bucket lets Elastic Load Balancing write its logs, and sends events to EventBridge', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ElbLogDelivery',
            Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            Action: 's3:PutObject',
          }),
          Match.objectLike({ Sid: 'ElbLogDeliveryLegacyRegion', Principal: { AWS: Match.anyValue() } }),
          // NLB access logs: the log delivery service writes with bucket-owner-full-control, after reading the ACL.
          Match.objectLike({
            Sid: 'NlbLogDeliveryWrite',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': '111122223333' } }),
          }),
          Match.objectLike({ Sid: 'NlbLogDeliveryAclCheck', Principal: { Service: 'delivery.logs.amazonaws.com' }, Action: 's3:GetBucketAcl' }),
        ]),
      },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });

  test('checkpoints live in an on-demand table whose items expire, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ELBSHIP_CHECKPOINT_TABLE: { Ref: Match.stringLikeRegexp('^checkpointstable') } }) },
    });
  });

  test('span indexes expire from the staging bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Prefix: 'elbship-staging/', ExpirationInDays: 7, Status: 'Enabled' })] },
    });
  });

  test('least privilege: each function reaches only what it uses', () => {
    const plan = actionsOn(statements(template, /plan/));
    const ship = actionsOn(statements(template, /ship/));
    const verify = actionsOn(statements(template, /verify/));
    const start = actionsOn(statements(template, /start/));
    const object = actionsOn(statements(template, /functionsobject/));
    expect(object['logs:PutLogEvents'][0]).toContain('log-group:/elbship/*:log-stream:*');
    expect(object['s3:GetObject'].some((r) => r.includes('/*AWSLogs/*'))).toBe(true);
    expect(object['dynamodb:UpdateItem']).toBeDefined();
    expect(object['states:StartExecution']).toBeDefined();
    expect(ship['logs:CreateLogGroup']).toEqual([JSON.stringify({ 'Fn::Join': ['', [GROUP_ARN.split('${AWS::Partition}')[0], { Ref: 'AWS::Partition' }, GROUP_ARN.split('${AWS::Partition}')[1]]] })]);
    expect(plan['s3:GetObject'][0]).toContain('/*AWSLogs/*');
    expect(plan['s3:PutObject'][0]).toContain('/elbship-staging/*');
    expect(ship['logs:PutLogEvents'][0]).toContain('log-group:/elbship/*:log-stream:*');
    expect(plan['logs:CreateLogGroup']).toBeUndefined();
    expect(plan['logs:DescribeLogGroups']).toBeDefined();
    expect(verify['s3:DeleteObject'][0]).toContain('/elbship-staging/*');
    expect(verify['s3:GetObject']).toBeUndefined();
    for (const [sts, action] of [[plan, 'dynamodb:UpdateItem'], [ship, 'dynamodb:UpdateItem'], [ship, 'dynamodb:GetItem'], [verify, 'dynamodb:GetItem']] as const) {
      expect(sts[action]).toEqual([expect.stringMatching(/"Fn::GetAtt":\["checkpointstable[0-9A-F]+","Arn"\]/)]);
    }
    expect(plan['dynamodb:GetItem']).toBeUndefined(); // ship confirms its span's owner (GetItem); plan only writes
    expect(verify['dynamodb:UpdateItem']).toBeUndefined();
    expect(start['dynamodb:UpdateItem']).toBeUndefined();
    // Start reaches exactly the two state machines; the object function only the Standard one (its hand-over).
    const starts = (sts: any[]) => sts.filter((s) => [].concat(s.Action).includes('states:StartExecution' as never))
      .flatMap((s) => [].concat(s.Resource)).map((r) => JSON.stringify(r)).sort();
    expect(starts(statements(template, /start/))).toEqual([
      expect.stringMatching(/\{"Ref":"workflowexpressstatemachine[0-9A-F]+"\}/),
      expect.stringMatching(/\{"Ref":"workflowstatemachine[0-9A-F]+"\}/),
    ]);
    expect(starts(statements(template, /functionsobject/))).toEqual([expect.stringMatching(/\{"Ref":"workflowstatemachine[0-9A-F]+"\}/)]);
    for (const sts of [plan, ship, verify, start, object]) {
      for (const [action, resources] of Object.entries(sts)) {
        if (action.startsWith('xray:')) continue;
        expect(resources).not.toContain('"*"');
      }
    }
  });

  test('the object function gets exactly what plan, ship and verify get, and its hand-over', () => {
    const grants = (role: RegExp) => new Set(statements(template, role).flatMap((s) =>
      [].concat(s.Action).flatMap((a: string) => [].concat(s.Resource).map((r) => `${a} ${JSON.stringify(r)}`))));
    const union = new Set([...grants(/functionsplan/), ...grants(/functionsship/), ...grants(/functionsverify/)]);
    const object = grants(/functionsobject/);
    const extra = [...object].filter((g) => !union.has(g));
    expect(extra.map((g) => g.split(' ')[0]).sort()).toEqual(['states:StartExecution']);
    expect([...union].filter((g) => !object.has(g))).toEqual([]);
  });

  test('alarms on failed, timed-out and aborted executions, start errors and dead letters', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'Errors', 'ApproximateNumberOfMessagesVisible']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Threshold: 1 });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'elbship', MetricName: 'ObjectsRefused', Statistic: 'Sum', Threshold: 1 });
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('alarms when logs arrive late or stop arriving; none on rejects unless asked', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'elbship', MetricName: 'FreshnessSeconds', ExtendedStatistic: 'p99', Threshold: 1800,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'elbship', MetricName: 'ObjectsVerified', Statistic: 'Sum', Period: 3600, Threshold: 1,
      ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'LinesRejected' } }))).toHaveLength(0);
    const custom = synth({ freshnessAlarmMinutes: 10, silenceAlarmMinutes: 120, alarmOnRejects: true }).template;
    custom.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FreshnessSeconds', Threshold: 600 });
    custom.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ObjectsVerified', Period: 7200 });
    custom.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LinesRejected', Threshold: 1 });
  });

  test('a dashboard of what is shipped, how late, what is refused and what failed', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0]);
    for (const title of ElbshipDashboard.WIDGETS) expect(body).toContain(title);
    for (const metric of ['ObjectsVerified', 'LinesDelivered', 'BytesDelivered', 'RejectedExpired', 'FreshnessSeconds', 'ThrottleCount']) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('p99');
  });
});

describe('configuration', () => {
  test('an existing bucket, a key prefix, JSON messages, an alarm email, KMS, x86_64', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { template } = synth({
      sourceBucketName: 'central-logs',
      keyPrefix: 'lb/',
      messageMode: 'json',
      oldEventPolicy: 'restamp',
      logGroupTemplate: '/org/{account}/{lb_name}',
      targetRetentionDays: 90,
      alarmEmail: 'ops@example.com',
      logGroupKmsKeyArn: key,
      architecture: 'x86_64',
      mapConcurrency: 40,
      logGroupClass: 'INFREQUENT_ACCESS',
    });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { bucket: { name: ['central-logs'] }, object: { key: [{ wildcard: 'lb/AWSLogs/*/elasticloadbalancing/*' }] } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['x86_64'],
      Environment: { Variables: Match.objectLike({ ELBSHIP_MESSAGE_MODE: 'json', ELBSHIP_OLD_EVENT_POLICY: 'restamp', ELBSHIP_LOG_GROUP_RETENTION_DAYS: '90', ELBSHIP_LOG_GROUP_KMS_KEY: key, ELBSHIP_MAP_CONCURRENCY: '40', ELBSHIP_LOG_GROUP_CLASS: 'INFREQUENT_ACCESS' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: key });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const plan = actionsOn(statements(template, /plan/));
    const ship = actionsOn(statements(template, /ship/));
    expect(ship['logs:CreateLogGroup'][0]).toContain('log-group:/org/*');
    expect(plan['s3:GetObject'][0]).toContain('central-logs/lb/AWSLogs/*');
  });

  test('invalid values are refused at synthesis', () => {
    expect(() => synth({ mapConcurrency: 41 })).toThrow(/mapConcurrency/);
    expect(() => synth({ targetRetentionDays: 2 })).toThrow(/targetRetentionDays/);
    expect(() => synth({ logGroupClass: 'GLACIER' as 'STANDARD' })).toThrow(/logGroupClass/);
    expect(() => synth({ allowedAccounts: '111122223333,1234' })).toThrow(/allowedAccounts/);
  });

  test('the functions that decide whose objects are shipped know the account and the allowed ones', () => {
    const { template } = synth({ allowedAccounts: '111122223333, 444455556666' });
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ ELBSHIP_ALLOWED_ACCOUNTS: '111122223333,444455556666' }) } } });
    // start, plan and object decide; ship and verify never see the variable.
    expect(Object.keys(functions).map((id) => id.replace(/^functions/, '').replace(/[A-F0-9]{8}$/, '')).sort()).toEqual(['object', 'plan', 'start']);
    for (const f of Object.values(functions)) {
      expect(f.Properties.Environment.Variables.ELBSHIP_ACCOUNT).toEqual('111122223333'); // the stack's account
    }
  });
});
