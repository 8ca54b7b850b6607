/** What an operator chooses when deploying elbship: every prop has a documented default. */
import { App } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';

export interface ElbshipConfig {
  /** An existing bucket that holds the ELB logs; when absent, a new bucket ELB may write to is created. */
  readonly sourceBucketName?: string;
  /** Key prefix before `AWSLogs/` (`''` for none). Only keys under `{prefix}AWSLogs/*\/elasticloadbalancing/` start executions. Default: any prefix. */
  readonly keyPrefix?: string;
  /** Log group name template. Default `/elbship/{account}/{region}/{lb_type}/{lb_name}`. */
  readonly logGroupTemplate?: string;
  /** Log stream name template. Default `{kind}/{date}`. */
  readonly logStreamTemplate?: string;
  /** `raw` (default) or `json`. */
  readonly messageMode?: 'raw' | 'json';
  /** `reject` (default) or `restamp`. */
  readonly oldEventPolicy?: 'reject' | 'restamp';
  /** Uncompressed bytes per span, e.g. `128MiB` (default). */
  readonly spanSize?: string;
  /**
   * Objects up to this size (as their S3 event gives it, e.g. `4MiB`, the default) take the Express state machine:
   * one call of the object function. `0` sends every object through the Standard state machine.
   */
  readonly expressMaxBytes?: string;
  /** Spans shipped at once, 1-40 (default 10). */
  readonly mapConcurrency?: number;
  /** Concurrent PutLogEvents per span, 1-64 (default 8). */
  readonly sendConcurrency?: number;
  /** Retention in days of the log groups elbship creates (default: never expire). */
  readonly targetRetentionDays?: number;
  /** Retention in days of elbship's own log groups (default 30). */
  readonly functionLogRetentionDays?: number;
  /**
   * Class of the log groups elbship creates: `STANDARD` (default) or `INFREQUENT_ACCESS` ($0.25/GB ingested instead
   * of $0.50; Logs Insights works, but no metric or subscription filters and no Live Tail): the class for archives.
   */
  readonly logGroupClass?: 'STANDARD' | 'INFREQUENT_ACCESS';
  /** A KMS key ARN that encrypts every log group (elbship's own and the ones it creates). */
  readonly logGroupKmsKeyArn?: string;
  /** Freshness alarm: p99 minutes from a file's end to its verified delivery (default 30). */
  readonly freshnessAlarmMinutes?: number;
  /** Silence alarm: minutes without any verified object (default 60). */
  readonly silenceAlarmMinutes?: number;
  /** Alarm on any line CloudWatch Logs refuses for its time (default false). */
  readonly alarmOnRejects?: boolean;
  /** An email address subscribed to the alarms' SNS topic. */
  readonly alarmEmail?: string;
  /** X-Ray tracing for the state machine and functions (default false). */
  readonly tracing?: boolean;
  /**
   * The bucket an S3 Inventory of the source bucket is delivered to: the backfill state machine may then read its
   * manifests and lists (`elbship backfill --inventory`). Default: none (backfills read the S3 listing).
   */
  readonly inventoryBucketName?: string;
  /**
   * Other accounts whose load balancers' objects are shipped, separated by commas (elbship's own account's always
   * are). An object under any other account's `AWSLogs/{account}/`, or whose file name names another account or
   * Region than its path, is written nowhere and counted (`ObjectsRefused`, alarmed on). Default: none.
   */
  readonly allowedAccounts?: string;
  /**
   * The Organization's id (`o-...`). The new bucket's policy then binds NLB's log delivery by organization in one
   * statement rather than one pair per account (S3 caps a bucket policy at 20 KB: about 15 accounts without it).
   */
  readonly organizationId?: string;
  /**
   * Where each object's lines go: `central` (default: elbship's account and Region), `central-source-region`
   * (elbship's account, the load balancer's Region), `source-account` (the load balancer's account and Region,
   * through the role `destinationRoleName` there; elbship's own account is written directly).
   */
  readonly destinationMode?: 'central' | 'central-source-region' | 'source-account';
  /** The role elbship assumes in each allowed account (`source-account`); the destination role stack makes it. */
  readonly destinationRoleName?: string;
  /** The external id that role demands (`source-account`: required). */
  readonly destinationExternalId?: string;
  /**
   * The account that owns `sourceBucketName`, when not elbship's: its default event bus may then put the bucket's
   * events on elbship's (the source bucket stack forwards them).
   */
  readonly sourceBucketAccount?: string;
  /** `arm64` (default; cheaper) or `x86_64`. */
  readonly architecture?: 'arm64' | 'x86_64';
}

/** The accounts a list of ids separated by commas names (blanks dropped). */
export function accountList(ids: string | undefined): string[] {
  return (ids ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
}

export const ACCOUNT_ID = /^[0-9]{12}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

export function architectureOf(config: ElbshipConfig): Architecture {
  return config.architecture === 'x86_64' ? Architecture.X86_64 : Architecture.ARM_64;
}

/** The static part of a log group template before its first placeholder: what IAM can scope to. */
export function logGroupPrefix(template: string): string {
  const i = template.indexOf('{');
  return i < 0 ? template : template.slice(0, i);
}

const NUMBERS = ['mapConcurrency', 'sendConcurrency', 'targetRetentionDays', 'functionLogRetentionDays', 'freshnessAlarmMinutes', 'silenceAlarmMinutes'] as const;
const STRINGS = [
  'sourceBucketName', 'keyPrefix', 'logGroupTemplate', 'logStreamTemplate', 'messageMode', 'oldEventPolicy',
  'spanSize', 'logGroupKmsKeyArn', 'alarmEmail', 'architecture', 'logGroupClass', 'expressMaxBytes', 'inventoryBucketName',
  'allowedAccounts', 'organizationId', 'destinationMode', 'destinationRoleName', 'destinationExternalId',
  'sourceBucketAccount',
] as const;

/** Reads `-c elbship:<name>=value` context into a config. */
export function configFromContext(app: App): ElbshipConfig {
  const get = (name: string): unknown => app.node.tryGetContext(`elbship:${name}`);
  const out: Record<string, unknown> = {};
  for (const name of STRINGS) {
    const v = get(name);
    if (v !== undefined) out[name] = String(v);
  }
  for (const name of NUMBERS) {
    const v = get(name);
    if (v !== undefined) {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`elbship:${name} must be a whole number, not ${v}`);
      out[name] = n;
    }
  }
  for (const name of ['tracing', 'alarmOnRejects'] as const) {
    const v = get(name);
    if (v !== undefined) out[name] = v === true || v === 'true';
  }
  return out as ElbshipConfig;
}
