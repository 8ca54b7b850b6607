/**
 * The checkpoint table: one item per object version (the first attempt's choices) and one per span (which batches
 * CloudWatch Logs acknowledged), so that every retry, redrive or new attempt resumes without sending an
 * acknowledged batch again. On demand (about one write per 1 MiB batch), items expire after 100 days via TTL.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Grantee } from './buckets';
import { Construct } from 'constructs';

export class CheckpointTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expires_at',
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Exactly the item actions a function needs: plan and ship update items, verify reads them. */
  grant(fn: Grantee, actions: ('dynamodb:UpdateItem' | 'dynamodb:GetItem')[]): void {
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [this.table.tableArn] }));
  }
}
