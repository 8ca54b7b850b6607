/** cdk-nag's AwsSolutions checks pass: no unsuppressed error or warning, and every suppression has a reason. */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synth } from './synth';

describe.each([
  ['defaults', {}],
  ['existing bucket, alarm email, tracing, inventory', { sourceBucketName: 'central-logs', alarmEmail: 'ops@example.com', tracing: true, inventoryBucketName: 'central-inventory' }],
])('cdk-nag AwsSolutions with %s', (_name, config) => {
  const { stack } = synth(config, true);

  test('no unsuppressed errors', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 120)}`)).toEqual([]);
  });

  test('no unsuppressed warnings', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 120)}`)).toEqual([]);
  });

  test('every suppression carries a written reason', () => {
    const json = JSON.stringify(synth(config, true).template.toJSON());
    const reasons = [...json.matchAll(/"reason":"([^"]*)"/g)].map((m) => m[1]);
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) expect(r.length).toBeGreaterThan(20);
  });
});
